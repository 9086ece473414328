// Truly concurrent HTTP for race tests: a real `coffer server -dev` process on SQLite, and bursts of requests on one socket each.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { withDeadline } from './deadline.ts'
import { type ServerProcess, spawnServer } from './process.ts'

export interface RaceRequest {
  method: string
  /** Below /v1/ ('secret/data/x'), or an absolute path ('/v1/sys/health') sent as is. */
  path: string
  /** X-Vault-Token; the burst's default token when undefined, none when ''. */
  token?: string
  /** A string is sent as is; anything else as JSON. */
  body?: unknown
  headers?: Record<string, string>
}

export interface RaceReply {
  status: number
  /** Lower-case names. */
  headers: Record<string, string>
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  body: any
}

export interface RaceServer {
  /** e.g. http://127.0.0.1:41234 */
  address: string
  rootToken: string
  /** The server's SQLite data directory (removed by close). */
  dataDir: string
  process: ServerProcess
  /** `burst(address, requests, rootToken)`. */
  burst(requests: RaceRequest[]): Promise<RaceReply[]>
  /** One request on its own socket, with the root token unless `token` says otherwise; for setup and checks. */
  call(method: string, path: string, options?: Omit<RaceRequest, 'method' | 'path'>): Promise<RaceReply>
  /** Stops the process and starts a new one on the same data: what survives is what was stored. */
  restart(): Promise<void>
  /** Stops the server (SIGTERM; a server that will not stop fails the call) and removes its data. */
  close(): Promise<void>
}

/**
 * Spawns `coffer server -dev` as its own process (so its event loop is not the test's) on a free loopback
 * port, with SQLite storage in a fresh temp directory; the root token is read from the dev keys file.
 */
export async function startRaceServer(): Promise<RaceServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'coffer-race-'))
  const spawn = () =>
    spawnServer([
      '-dev',
      '-dev-listen-address=127.0.0.1:0',
      `-dev-data-dir=${dataDir}`,
      '-dev-no-store-token',
      '-log-level=error',
    ])
  let server: ServerProcess
  try {
    server = await spawn()
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
  // Written before the listener opens, so it is there once the banner is.
  const keys = JSON.parse(readFileSync(join(dataDir, 'dev-keys.json'), 'utf8')) as { root_token: string }
  if (!existsSync(join(dataDir, 'coffer.db'))) {
    await server.stop('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
    throw new Error(`the race server is not on SQLite in ${dataDir}:\n${server.output()}`)
  }
  const race: RaceServer = {
    address: server.address,
    rootToken: keys.root_token,
    dataDir,
    process: server,
    burst: (requests) => burst(race.address, requests, keys.root_token),
    call: async (method, path, options = {}) =>
      (await burst(race.address, [{ method, path, ...options }], keys.root_token))[0]!,
    restart: async () => {
      const code = await server.stop()
      if (code !== 0) throw new Error(`the race server exited with ${code} when stopped:\n${server.output()}`)
      server = await spawn()
      race.address = server.address
      race.process = server
    },
    close: async () => {
      try {
        await server.stop()
      } finally {
        rmSync(dataDir, { recursive: true, force: true })
      }
    },
  }
  return race
}

/** The bytes of one HTTP/1.1 request with Connection: close and an exact Content-Length. */
export function encodeRequest(host: string, request: RaceRequest, defaultToken = ''): Buffer {
  const body =
    request.body === undefined
      ? undefined
      : Buffer.from(typeof request.body === 'string' ? request.body : JSON.stringify(request.body))
  const headers: Record<string, string> = { host, ...(request.headers ?? {}) }
  const token = request.token ?? defaultToken
  if (token) headers['x-vault-token'] = token
  if (body) {
    headers['content-type'] ??= 'application/json'
    headers['content-length'] = String(body.length)
  }
  headers['connection'] = 'close'
  const target = request.path.startsWith('/') ? request.path : `/v1/${request.path}`
  const head = `${request.method} ${target} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1')
}

/**
 * Sends `requests` at once: one TCP connection per request, all connected before any byte is written; then
 * every request's full bytes are written in one synchronous loop, and every answer is read. Replies come back
 * in the order of `requests`. Nothing is timed; a burst still unanswered after `deadlineMs` fails.
 */
export async function burst(
  address: string,
  requests: RaceRequest[],
  defaultToken = '',
  deadlineMs = 60_000,
): Promise<RaceReply[]> {
  const url = new URL(address)
  if (url.protocol !== 'http:') throw new Error(`burst speaks plain HTTP only, not ${address}`)
  const payloads = requests.map((r) => encodeRequest(url.host, r, defaultToken))
  const sockets: net.Socket[] = []
  try {
    const connected = requests.map(
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true })
          sockets.push(socket)
          socket.once('connect', () => resolve(socket))
          socket.once('error', reject)
        }),
    )
    const ready = await withDeadline(
      Promise.all(connected),
      `connecting ${requests.length} sockets`,
      deadlineMs,
    )
    // Reading starts before writing, so no answer can be missed; writes go out with no await between them.
    const answers = ready.map((socket, i) =>
      readResponse(socket, `${requests[i]!.method} ${requests[i]!.path}`),
    )
    for (const [i, socket] of ready.entries()) socket.write(payloads[i]!)
    return await withDeadline(Promise.all(answers), `answers to ${requests.length} requests`, deadlineMs)
  } finally {
    for (const socket of sockets) socket.destroy()
  }
}

/** Reads one HTTP/1.1 response (Content-Length, chunked, or until close) and resolves once it is complete. */
function readResponse(socket: net.Socket, what: string): Promise<RaceReply> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0)
    let done = false
    const finish = (closed: boolean) => {
      if (done) return
      let parsed: RaceReply | undefined
      try {
        parsed = parseResponse(buffer, closed)
      } catch (error) {
        done = true
        reject(new Error(`${what}: ${(error as Error).message}`))
        return
      }
      if (parsed) {
        done = true
        resolve(parsed)
      } else if (closed) {
        done = true
        reject(
          new Error(`${what}: connection closed mid-response: ${JSON.stringify(buffer.toString('latin1'))}`),
        )
      }
    }
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      finish(false)
    })
    socket.once('close', () => finish(true))
    socket.once('error', (error) => {
      if (!done) reject(new Error(`${what}: ${error.message}`))
      done = true
    })
  })
}

/** The response in `data`, or undefined while it is incomplete; `closed` means no more bytes will come. */
export function parseResponse(data: Buffer, closed: boolean): RaceReply | undefined {
  const headerEnd = data.indexOf('\r\n\r\n')
  if (headerEnd === -1) return undefined
  const [statusLine = '', ...lines] = data.subarray(0, headerEnd).toString('latin1').split('\r\n')
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)
  if (!status) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`)
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const rest = data.subarray(headerEnd + 4)
  let body: Buffer | undefined
  if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) body = dechunk(rest)
  else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length'])
    if (rest.length >= length) body = rest.subarray(0, length)
  } else if (closed) body = rest
  if (body === undefined) return undefined
  const text = body.toString('utf8')
  let parsed: unknown = text
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {}
  return { status: Number(status[1]), headers, body: parsed }
}

/** A chunked body's bytes, or undefined until its last (zero-size) chunk and the blank line after it are in. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at)
    if (lineEnd === -1) return undefined
    // The size may carry ;extensions, which say nothing we need.
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1').split(';')[0]!, 16)
    if (Number.isNaN(size)) throw new Error(`bad chunk size line at byte ${at}`)
    if (size === 0) {
      // The last chunk: then trailer fields (ignored), each ending in CRLF, and an empty line.
      const after = lineEnd + 2
      if (data.subarray(after, after + 2).toString('latin1') === '\r\n') return Buffer.concat(parts)
      return data.indexOf('\r\n\r\n', after) === -1 ? undefined : Buffer.concat(parts)
    }
    if (data.length < lineEnd + 2 + size + 2) return undefined
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
  }
}
