// Reading one raw HTTP/1.1 request that began with the LIST verb, from the bytes Node's parser rejected.
import type { Socket } from 'node:net'

const HEADER_LIMIT = 64 * 1024
const READ_TIMEOUT_MS = 10_000

export interface RawListRequest {
  method: 'LIST'
  url: string
  headers: Record<string, string>
  body: Buffer
}

/** Parse the request in `first` (reading more from the socket if it is incomplete); undefined when malformed. */
export async function parseRawListRequest(
  socket: Socket,
  first: Buffer,
  maxBody: number,
): Promise<RawListRequest | undefined> {
  let buffer = first
  // The http server's own data listener would feed the dead parser; from here on the socket is ours.
  socket.removeAllListeners('data')
  const more = async (): Promise<boolean> => {
    const chunk = await new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), READ_TIMEOUT_MS)
      socket.once('data', (data: Buffer) => {
        clearTimeout(timer)
        resolve(data)
      })
      socket.once('end', () => resolve(undefined))
    })
    if (!chunk) return false
    buffer = Buffer.concat([buffer, chunk])
    return true
  }
  let headerEnd = buffer.indexOf('\r\n\r\n')
  while (headerEnd === -1) {
    if (buffer.length > HEADER_LIMIT || !(await more())) return undefined
    headerEnd = buffer.indexOf('\r\n\r\n')
  }
  const lines = buffer.subarray(0, headerEnd).toString('latin1').split('\r\n')
  const requestLine = /^LIST (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? '')
  if (!requestLine) return undefined
  const headers: Record<string, string> = {}
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    if (colon <= 0) return undefined
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  if (headers['transfer-encoding']) return undefined
  const length = Number(headers['content-length'] ?? '0')
  if (!Number.isInteger(length) || length < 0 || length > maxBody) return undefined
  while (buffer.length < headerEnd + 4 + length) if (!(await more())) return undefined
  return {
    method: 'LIST',
    url: requestLine[1]!,
    headers,
    body: buffer.subarray(headerEnd + 4, headerEnd + 4 + length),
  }
}
