// The agent's API proxy: a loopback listener that forwards Vault API requests, adding the auto-auth token.
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { cacheKey, type LeaseCache } from './lease-cache.ts'

export interface ApiProxyOptions {
  /** host:port to listen on (port 0 picks one; the address is logged). */
  listen: string
  /** The server's base URL, e.g. http://127.0.0.1:8200. */
  upstream: URL
  caCert: string | undefined
  tlsSkipVerify: boolean
  useAutoAuthToken: boolean | 'force'
  /** Leased answers to GET requests, served again while the server confirms the lease (cache block). */
  cache: LeaseCache | undefined
  /** Asks the server whether `token` may still read `path` (sys/capabilities-self). */
  canRead(token: string, path: string): Promise<boolean>
  /** The agent's current token, or undefined before the first login. */
  token(): string | undefined
  /** The server refused the agent's own token (403): it may have been revoked. */
  onForbidden(): void
  log(level: 'info' | 'error', message: string): void
}

/** Headers that describe one hop only and must not be forwarded (RFC 9110 section 7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
])

function splitHostPort(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':')
  const host = colon === -1 ? listen : listen.slice(0, colon).replace(/^\[|\]$/g, '')
  const port = colon === -1 ? 8200 : Number(listen.slice(colon + 1))
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid listener address ${listen}`)
  return { host: host === '' ? '127.0.0.1' : host, port }
}

export interface RunningProxy {
  address: string
  close(): Promise<void>
}

export async function startApiProxy(options: ApiProxyOptions): Promise<RunningProxy> {
  const secure = options.upstream.protocol === 'https:'
  const agent = secure
    ? new https.Agent({
        keepAlive: true,
        ...(options.caCert ? { ca: readFileSync(options.caCert) } : {}),
        rejectUnauthorized: !options.tlsSkipVerify,
      })
    : new http.Agent({ keepAlive: true })
  const transport = secure ? https : http
  const forward = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    headers: http.OutgoingHttpHeaders,
    body: Buffer,
    injected: boolean,
    remember: ((status: number, contentType: string, body: Buffer) => void) | undefined,
  ) => {
    const target = new URL(req.url ?? '/', options.upstream)
    const upstream = transport.request(target, { method: req.method, headers, agent }, (answer) => {
      if (injected && answer.statusCode === 403) options.onForbidden()
      const out: http.OutgoingHttpHeaders = {}
      for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name)) out[name] = value
      res.writeHead(answer.statusCode ?? 502, out)
      if (!remember) {
        answer.pipe(res)
        return
      }
      const chunks: Buffer[] = []
      answer.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        res.write(chunk)
      })
      answer.on('end', () => {
        res.end()
        remember(answer.statusCode ?? 0, String(answer.headers['content-type'] ?? ''), Buffer.concat(chunks))
      })
    })
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      options.log(
        'error',
        `api proxy: ${req.method} ${target.pathname} failed upstream: ${error.code ?? error.message}`,
      )
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ errors: ['the agent could not reach the server'] }))
      } else res.destroy()
    })
    upstream.end(body)
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    const headers: http.OutgoingHttpHeaders = {}
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value
    const given = req.headers['x-vault-token']
    const agentToken = options.token()
    let injected = false
    if (agentToken && (options.useAutoAuthToken === 'force' || (options.useAutoAuthToken && !given))) {
      headers['x-vault-token'] = agentToken
      injected = true
    }
    const cache = options.cache
    const path = new URL(req.url ?? '/', 'http://agent').pathname.replace(/^\/v1\//, '')
    // A revocation passing through may end cached leases: drop them all (hits are confirmed anyway).
    if (cache && /^(sys\/leases\/revoke|sys\/revoke|auth\/token\/revoke)/.test(path)) cache.clear()
    const token = typeof headers['x-vault-token'] === 'string' ? headers['x-vault-token'] : ''
    if (!cache || req.method !== 'GET' || token === '') {
      forward(req, res, headers, body, injected, undefined)
      return
    }
    const namespace = String(req.headers['x-vault-namespace'] ?? '')
    const key = cacheKey(req.method, req.url ?? '/', token, namespace, body)
    const hit = await cache.lookup(key, () => options.canRead(token, path))
    if (hit) {
      res.writeHead(hit.status, { 'content-type': hit.contentType, 'x-cache': 'HIT' })
      res.end(hit.body)
      return
    }
    forward(req, res, headers, body, injected, (status, contentType, answer) =>
      cache.store(key, status, contentType, answer),
    )
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        options.log('error', `api proxy: ${(error as Error).message}`)
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ errors: ['internal error in the agent'] }))
      })
    })
  })
  const { host, port } = splitHostPort(options.listen)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const bound = server.address() as AddressInfo
  const address = `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`
  options.log('info', `api proxy listening on ${address}`)
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        agent.destroy()
      }),
  }
}
