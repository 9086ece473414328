// The agent's API proxy: a loopback listener that forwards Vault API requests, adding the auto-auth token.
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'

export interface ApiProxyOptions {
  /** host:port to listen on (port 0 picks one; the address is logged). */
  listen: string
  /** The server's base URL, e.g. http://127.0.0.1:8200. */
  upstream: URL
  caCert: string | undefined
  tlsSkipVerify: boolean
  useAutoAuthToken: boolean | 'force'
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
  const server = http.createServer((req, res) => {
    const headers: http.OutgoingHttpHeaders = {}
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value
    const given = req.headers['x-vault-token']
    const agentToken = options.token()
    let injected = false
    if (agentToken && (options.useAutoAuthToken === 'force' || (options.useAutoAuthToken && !given))) {
      headers['x-vault-token'] = agentToken
      injected = true
    }
    const target = new URL(req.url ?? '/', options.upstream)
    const upstream = transport.request(target, { method: req.method, headers, agent }, (answer) => {
      if (injected && answer.statusCode === 403) options.onForbidden()
      const out: http.OutgoingHttpHeaders = {}
      for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name)) out[name] = value
      res.writeHead(answer.statusCode ?? 502, out)
      answer.pipe(res)
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
    req.pipe(upstream)
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
