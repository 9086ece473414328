// Test helpers: a real server on 127.0.0.1:0 (SQLite in a throwaway directory) and a tiny JSON client for it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Clock } from '../../src/lib/time.ts'
import type { ServerConfig } from '../../src/server/config/load-config.ts'
import { type RunningServer, type StartOptions, startServer } from '../../src/server/start-server.ts'

/**
 * Where a test server keeps its data. SQLite, the production storage, is the default: its reads and
 * writes await a worker thread, so interleavings (and races) show up that the in-memory store, with no
 * await gap, hides. 'inmem' is an explicit opt-in; each caller says why it needs it.
 */
export type TestStorage = 'sqlite' | 'inmem'

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

/** A fresh directory under the OS temp dir; `remove` deletes it and everything in it (safe to call twice). */
export function makeTempDir(prefix = 'coffer-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A server config's storage block for `storage`: SQLite gets a file in `dir`. */
export function storageConfig(storage: TestStorage, dir: string): ServerConfig['storage'] {
  return storage === 'inmem' ? { type: 'inmem' } : { type: 'sqlite', path: join(dir, 'coffer.db') }
}

/**
 * `startServer` with a throwaway data directory, removed once the server has closed (also when it fails
 * to start). `build` gets the directory to put storage (and anything else) in.
 */
export async function startServerInTempDir(
  build: (dir: string) => StartOptions,
  prefix = 'coffer-test-',
): Promise<RunningServer> {
  const temp = makeTempDir(prefix)
  let server: RunningServer
  try {
    server = await startServer(build(temp.dir))
  } catch (error) {
    temp.remove()
    throw error
  }
  return {
    ...server,
    close: async () => {
      try {
        await server.close()
      } finally {
        temp.remove()
      }
    },
  }
}

/** A dev server (initialised, unsealed, KV v2 at secret/) on SQLite in a temp dir unless `storage: 'inmem'`. */
export async function startDevServer(
  opts: Pick<
    StartOptions,
    | 'clock'
    | 'expiration'
    | 'devAws'
    | 'rotationFunctions'
    | 'extraRotationBuiltins'
    | 'onRotation'
    | 'eventSinks'
    | 'complianceProviders'
    | 'anomalyDetection'
    | 'anomalyFlushIntervalMs'
  > & { storage?: TestStorage } = {},
): Promise<TestServer> {
  const { storage = 'sqlite', ...rest } = opts
  const server = await startServerInTempDir((dir) => ({
    dev: true,
    listenAddress: '127.0.0.1:0',
    // Tests mount what they need; the AWS face of `coffer server -dev` is asked for with devAws: true.
    devAws: false,
    ...(storage === 'inmem' ? { inmem: true } : { dataDir: dir }),
    ...rest,
  }))
  return wrap(server)
}

/**
 * A sealed, uninitialised server; SQLite in a temp dir unless `storage: 'inmem'`, or the storage block given
 * (a PostgreSQL test passes its own database).
 */
export async function startSealedServer(
  opts: { clock?: Clock; maxRequestSize?: number; storage?: TestStorage | ServerConfig['storage'] } = {},
): Promise<TestServer> {
  const server = await startServerInTempDir((dir) => ({
    config: {
      listeners: [
        {
          type: 'tcp',
          address: '127.0.0.1:0',
          tlsDisable: true,
          maxRequestSize: opts.maxRequestSize ?? 32 * 1024 * 1024,
        },
      ],
      storage: typeof opts.storage === 'object' ? opts.storage : storageConfig(opts.storage ?? 'sqlite', dir),
      defaultLeaseTtl: 768 * 3600,
      maxLeaseTtl: 768 * 3600,
      logLevel: 'error',
      disableMlock: true,
      ui: false,
    },
    ...(opts.clock ? { clock: opts.clock } : {}),
  }))
  return wrap(server)
}

export function wrap(server: RunningServer): TestServer {
  return {
    server,
    address: server.address,
    rootToken: server.rootToken,
    call: client(server.address, server.rootToken),
    close: () => server.close(),
  }
}
