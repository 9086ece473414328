// A raw HTTP/1.1 connection for attack tests: any bytes written, answers and the server's close awaited with a deadline.
import net from 'node:net'
import { withDeadline } from './deadline.ts'

/** Long enough for a loaded 2-core box, far below the server's 30 s header and 90 s request timeouts. */
export const HANG_MS = 15_000

export interface RawConnection {
  socket: net.Socket
  write(data: string | Buffer): Promise<void>
  /** Everything received so far, as latin1 text (bytes kept one to one). */
  text(): string
  /** Resolves with everything received once `test` holds for it; fails naming `what` after `ms`. */
  until(test: (text: string) => boolean, what: string, ms?: number): Promise<string>
  /** Resolves with everything received once the server has closed the connection. */
  closed(what: string, ms?: number): Promise<string>
  destroy(): void
}

export async function openRaw(address: string): Promise<RawConnection> {
  const { hostname, port } = new URL(address)
  const socket = net.connect({ host: hostname, port: Number(port), noDelay: true })
  const chunks: Buffer[] = []
  let waiters: Array<() => void> = []
  const wake = () => {
    const current = waiters
    waiters = []
    for (const waiter of current) waiter()
  }
  let ended = false
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk)
    wake()
  })
  // A reset after the server's answer is still a close: what was received is what counts.
  socket.on('error', () => {})
  socket.on('close', () => {
    ended = true
    wake()
  })
  await withDeadline(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    }),
    'connecting',
    HANG_MS,
  )
  const text = () => Buffer.concat(chunks).toString('latin1')
  const wait = (test: () => boolean, what: string, ms: number) =>
    withDeadline(
      new Promise<string>((resolve) => {
        const check = () => {
          if (test()) resolve(text())
          else waiters.push(check)
        }
        check()
      }),
      what,
      ms,
    )
  return {
    socket,
    write: (data) =>
      new Promise((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve()))),
    text,
    until: (test, what, ms = HANG_MS) =>
      wait(() => test(text()) || ended, what, ms).then((all) => {
        if (!test(all))
          throw new Error(`${what}: the connection closed first, after ${JSON.stringify(all.slice(0, 300))}`)
        return all
      }),
    closed: (what, ms = HANG_MS) => wait(() => ended, what, ms),
    destroy: () => socket.destroy(),
  }
}

/** Send `payload` on a fresh connection (half-closing after it unless told not to) and read until the server closes. */
export async function rawExchange(
  address: string,
  payload: string | Buffer,
  { halfClose = false, what = 'the answer and the close' } = {},
): Promise<string> {
  const connection = await openRaw(address)
  try {
    await connection.write(payload)
    if (halfClose) connection.socket.end()
    return await connection.closed(what)
  } finally {
    connection.destroy()
  }
}

/** The status codes of the HTTP responses in `text`, in order. */
export function statusesOf(text: string): number[] {
  return [...text.matchAll(/(?:^|\n)HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]))
}

/** The body of the last response in `text` (everything after its blank line). */
export function lastBody(text: string): string {
  return text.slice(text.lastIndexOf('\r\n\r\n') + 4)
}
