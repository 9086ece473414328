// Test helpers: a real server on 127.0.0.1:0 and a tiny JSON client for it.
import type { Clock } from '../../src/lib/time.ts'
import { type RunningServer, type StartOptions, startServer } from '../../src/server/start-server.ts'

export interface Reply {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  body: any
  headers: Headers
}

export interface TestServer {
  server: RunningServer
  address: string
  rootToken: string
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Reply>
  close(): Promise<void>
}

/** A manual clock: tests move time forward instead of sleeping. */
export class ManualClock implements Clock {
  #now: number
  constructor(start = Date.UTC(2026, 10, 22, 12, 0, 0)) {
    this.#now = start
  }
  now(): number {
    return this.#now
  }
  advance(seconds: number): void {
    this.#now += seconds * 1000
  }
}

export function client(address: string, defaultToken: string) {
  return async (
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Reply> => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) }
    const token = opts.token ?? defaultToken
    if (token) headers['x-vault-token'] = token
    let body: string | undefined
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
      headers['content-type'] ??= 'application/json'
    }
    const res = await fetch(`${address}/v1/${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {}
    return { status: res.status, body: parsed, headers: res.headers }
  }
}

export async function startDevServer(
  opts: Pick<StartOptions, 'clock' | 'expiration'> = {},
): Promise<TestServer> {
  const server = await startServer({ dev: true, inmem: true, listenAddress: '127.0.0.1:0', ...opts })
  return wrap(server)
}

/** A sealed, uninitialised server on in-memory storage. */
export async function startSealedServer(
  opts: { clock?: Clock; maxRequestSize?: number } = {},
): Promise<TestServer> {
  const server = await startServer({
    config: {
      listeners: [
        {
          type: 'tcp',
          address: '127.0.0.1:0',
          tlsDisable: true,
          maxRequestSize: opts.maxRequestSize ?? 32 * 1024 * 1024,
        },
      ],
      storage: { type: 'inmem' },
      defaultLeaseTtl: 768 * 3600,
      maxLeaseTtl: 768 * 3600,
      logLevel: 'error',
      disableMlock: true,
      ui: false,
    },
    ...(opts.clock ? { clock: opts.clock } : {}),
  })
  return wrap(server)
}

function wrap(server: RunningServer): TestServer {
  return {
    server,
    address: server.address,
    rootToken: server.rootToken,
    call: client(server.address, server.rootToken),
    close: () => server.close(),
  }
}
