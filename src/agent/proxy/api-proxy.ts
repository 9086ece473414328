// The agent's API proxy: a loopback or unix-socket listener that forwards Vault API requests, adding the auto-auth
// token, and answers from the cache when a `cache` block asks for it.
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import type { ApiProxyConfig } from '../config/agent-config.ts'
import {
  type ProxiedRequest,
  type ProxyCaching,
  type UpstreamAnswer,
  unreachableReply,
} from './proxy-caching.ts'
import { listenUnix, removeSocket } from './unix-socket.ts'

export interface ApiProxyOptions {
  listener: ApiProxyConfig
  /** The server's base URL, e.g. http://127.0.0.1:8200. */
  upstream: URL
  caCert: string | undefined
  tlsSkipVerify: boolean
  useAutoAuthToken: boolean | 'force'
  /** The cache (a `cache` block), shared by every listener. */
  caching: ProxyCaching | undefined
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

/** Request headers after which the server's answer is not the plain secret (wrapped, forwarded to the active node). */
const ALTERING = [
  'x-vault-wrap-ttl',
  'x-vault-wrap-format',
  'x-vault-index',
  'x-vault-inconsistent',
  'x-vault-forward',
]

/** A request that gets no answer within this time counts as the server being unreachable. */
const UPSTREAM_TIMEOUT_MS = 60_000

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

function answerHeaders(answer: http.IncomingMessage): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name)) out[name] = value
  return out
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
  const caching = options.caching

  /** Send the request on; resolves with the answer's head, or undefined when the server could not be reached. */
  const send = (
    req: http.IncomingMessage,
    target: URL,
    headers: http.OutgoingHttpHeaders,
    body: Buffer,
  ): Promise<http.IncomingMessage | undefined> =>
    new Promise((resolve) => {
      const upstream = transport.request(target, { method: req.method, headers, agent }, resolve)
      upstream.setTimeout(UPSTREAM_TIMEOUT_MS, () =>
        upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
      )
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        options.log(
          'error',
          `api proxy: ${req.method} ${target.pathname} failed upstream: ${error.code ?? error.message}`,
        )
        resolve(undefined)
      })
      upstream.end(body)
    })

  const reply = (
    res: http.ServerResponse,
    status: number,
    headers: http.OutgoingHttpHeaders,
    body: Buffer,
  ) => {
    res.writeHead(status, headers)
    res.end(body)
  }

  const refuse = (res: http.ServerResponse, message: string) =>
    reply(
      res,
      400,
      { 'content-type': 'application/json' },
      Buffer.from(JSON.stringify({ errors: [message] })),
    )

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    const requestTarget = req.url ?? '/'
    // An absolute-form target (http://host/...) or a scheme-relative one (//host/...) would name another host:
    // the request, with the agent's token in it, must only ever reach the configured server.
    if (!requestTarget.startsWith('/') || requestTarget.startsWith('//')) {
      refuse(res, 'invalid request target: only a path is accepted')
      return
    }
    // The path and query go on, always to the configured server. The cache rules (revocations, writes) see the
    // path the server will act on: as sent (dot segments resolved), then percent-decoded as the server does.
    const target = new URL(`${options.upstream.origin}${requestTarget}`)
    // Only the Vault API is proxied: a path whose dot segments (plain or encoded) or backslashes take it out of
    // /v1/ would reach the server's other routes with the agent's token, and escape the cache rules below.
    if (!target.pathname.startsWith('/v1/')) {
      reply(
        res,
        404,
        { 'content-type': 'application/json' },
        Buffer.from(JSON.stringify({ errors: ['the agent forwards the Vault API only: paths under /v1/'] })),
      )
      return
    }
    let path: string
    try {
      path = decodeURIComponent(target.pathname.replace(/^\/v1\//, ''))
    } catch {
      refuse(res, 'invalid path: malformed percent-encoding')
      return
    }
    const headers: http.OutgoingHttpHeaders = {}
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value
    const given = req.headers['x-vault-token']
    const agentToken = options.token()
    let injected = false
    if (agentToken && (options.useAutoAuthToken === 'force' || (options.useAutoAuthToken && !given))) {
      headers['x-vault-token'] = agentToken
      injected = true
    }
    const proxied: ProxiedRequest = {
      method: req.method ?? 'GET',
      url: requestTarget,
      path,
      query: target.searchParams,
      token: typeof headers['x-vault-token'] === 'string' ? headers['x-vault-token'] : '',
      namespace: String(req.headers['x-vault-namespace'] ?? ''),
      body,
      altersAnswer: ALTERING.some((name) => req.headers[name] !== undefined),
    }
    const noteForbidden = (status: number) => {
      if (injected && status === 403) options.onForbidden()
    }
    if (caching?.cacheable(proxied)) {
      const answer = await caching.serve(proxied, async (): Promise<UpstreamAnswer | undefined> => {
        const head = await send(req, target, headers, body)
        if (!head) return undefined
        const chunks: Buffer[] = []
        try {
          for await (const chunk of head) chunks.push(chunk as Buffer)
        } catch {
          return undefined
        }
        return { status: head.statusCode ?? 502, headers: answerHeaders(head), body: Buffer.concat(chunks) }
      })
      noteForbidden(answer.status)
      reply(res, answer.status, answer.headers, answer.body)
      return
    }
    caching?.beforeForward(proxied)
    const head = await send(req, target, headers, body)
    caching?.afterForward(proxied, head?.statusCode)
    if (!head) {
      const failed = unreachableReply()
      reply(res, failed.status, failed.headers, failed.body)
      return
    }
    noteForbidden(head.statusCode ?? 0)
    res.writeHead(head.statusCode ?? 502, answerHeaders(head))
    head.pipe(res)
    head.on('error', () => res.destroy())
  }

  const limit = options.listener.maxRequestSize
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    let size = 0
    // Past the limit the rest is read and dropped, so memory stays bounded and the client still reads a clear
    // 413 instead of a reset connection mid-upload; nothing of such a request is forwarded.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) chunks.push(chunk)
    })
    req.on('end', () => {
      if (size > limit) {
        reply(
          res,
          413,
          { 'content-type': 'application/json' },
          Buffer.from(JSON.stringify({ errors: [`request body over ${limit} bytes`] })),
        )
        return
      }
      handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        options.log('error', `api proxy: ${(error as Error).message}`)
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ errors: ['internal error in the agent'] }))
      })
    })
  })
  const listener = options.listener
  let address: string
  if (listener.type === 'unix') {
    await listenUnix(server, {
      path: listener.address,
      mode: listener.socketMode,
      user: listener.socketUser,
      group: listener.socketGroup,
    })
    address = listener.address
  } else {
    const { host, port } = splitHostPort(listener.address)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    })
    const bound = server.address() as AddressInfo
    address = `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`
  }
  options.log('info', `api proxy listening on ${address}`)
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          if (listener.type === 'unix') removeSocket(listener.address)
          resolve()
        })
        server.closeAllConnections()
        agent.destroy()
      }),
  }
}
