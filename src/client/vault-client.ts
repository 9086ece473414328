// Vault-compatible HTTP client on node:http/node:https, shared by the CLI, agent, tests and UI.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { join } from 'node:path'
import { ApiError, ConnectionError, extractErrors } from './api-error.ts'

export interface VaultClientOptions {
  address: string
  token?: string
  /** Path to a PEM bundle trusted in addition to nothing else (replaces the system store, like VAULT_CACERT). */
  caCert?: string
  /** Directory of PEM files trusted as CAs (VAULT_CAPATH); added to caCert when both are given. */
  caPath?: string
  /** PEM certificate and key presented to the server (VAULT_CLIENT_CERT/VAULT_CLIENT_KEY), for cert auth. */
  clientCert?: string
  clientKey?: string
  /** Name checked against the server certificate and sent as SNI, instead of the address's host. */
  tlsServerName?: string
  skipVerify?: boolean
  namespace?: string
  timeoutMs?: number
  /** Sent as X-Vault-Wrap-TTL on every request: responses come back wrapped. */
  wrapTtl?: string
  /** Extra headers on every request (the CLI's -header); the client's own X-Vault-* headers win over them. */
  headers?: Record<string, string>
}

export interface RequestOptions {
  body?: unknown
  query?: Record<string, string>
  headers?: Record<string, string>
}

export interface ApiResponse {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are arbitrary JSON; callers narrow them
  body: any
}

/** The standard Vault response envelope, loosely typed: fields vary by endpoint. */
export interface SecretEnvelope {
  request_id?: string
  lease_id?: string
  renewable?: boolean
  lease_duration?: number
  // biome-ignore lint/suspicious/noExplicitAny: secret data is arbitrary JSON
  data?: Record<string, any> | null
  // biome-ignore lint/suspicious/noExplicitAny: wrap_info and auth are passed through as received
  wrap_info?: Record<string, any> | null
  warnings?: string[] | null
  // biome-ignore lint/suspicious/noExplicitAny: see above
  auth?: Record<string, any> | null
  [key: string]: unknown
}

export interface SealStatus {
  type: string
  initialized: boolean
  sealed: boolean
  t: number
  n: number
  progress: number
  nonce: string
  version: string
  build_date?: string
  migration?: boolean
  recovery_seal?: boolean
  storage_type?: string
  cluster_name?: string
  cluster_id?: string
  [key: string]: unknown
}

export interface InitResponse {
  keys: string[]
  keys_base64: string[]
  root_token: string
  [key: string]: unknown
}

const DEFAULT_TIMEOUT_MS = 60_000

export class VaultClient {
  readonly address: string
  #token: string | undefined
  readonly #namespace: string | undefined
  readonly #wrapTtl: string | undefined
  readonly #timeoutMs: number
  readonly #agent: http.Agent
  readonly #headers: Record<string, string>
  readonly #transport: typeof http | typeof https
  readonly #base: URL

  constructor(options: VaultClientOptions) {
    let base: URL
    try {
      base = new URL(options.address)
    } catch {
      throw new TypeError(
        `invalid address ${JSON.stringify(options.address)}: expected a URL such as http://127.0.0.1:8200`,
      )
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TypeError(`invalid address scheme ${JSON.stringify(base.protocol)}: use http or https`)
    }
    this.#base = base
    this.address = base.origin
    this.#token = options.token
    this.#namespace = options.namespace
    this.#wrapTtl = options.wrapTtl
    this.#headers = { ...options.headers }
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    if (base.protocol === 'https:') {
      this.#transport = https
      const agentOptions: https.AgentOptions = { keepAlive: true, rejectUnauthorized: !options.skipVerify }
      const cas = [
        ...(options.caCert === undefined ? [] : [readFileSync(options.caCert)]),
        ...(options.caPath === undefined ? [] : pemFilesIn(options.caPath)),
      ]
      if (cas.length > 0) agentOptions.ca = cas
      if (options.clientCert !== undefined) agentOptions.cert = readFileSync(options.clientCert)
      if (options.clientKey !== undefined) agentOptions.key = readFileSync(options.clientKey)
      if (options.tlsServerName !== undefined) agentOptions.servername = options.tlsServerName
      this.#agent = new https.Agent(agentOptions)
    } else {
      this.#transport = http
      this.#agent = new http.Agent({ keepAlive: true })
    }
  }

  get token(): string | undefined {
    return this.#token
  }

  setToken(token: string | undefined): void {
    this.#token = token
  }

  /** Release pooled connections; idle keep-alive sockets are unref'd anyway, so this is for tidy tests. */
  close(): void {
    this.#agent.destroy()
  }

  /** Send one request to /v1/<path>; resolves for status < 400 and rejects with ApiError otherwise. */
  request(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse> {
    const url = this.urlFor(path, opts.query)
    const headers: Record<string, string> = {
      ...this.#headers,
      'X-Vault-Request': 'true',
      Accept: 'application/json',
    }
    if (this.#token) headers['X-Vault-Token'] = this.#token
    if (this.#namespace) headers['X-Vault-Namespace'] = this.#namespace
    if (this.#wrapTtl) headers['X-Vault-Wrap-TTL'] = this.#wrapTtl
    // sys/wrapping/wrap answers only when asked to wrap: Vault's CLI and Go client default its TTL to 5m, as here.
    else if (path.replace(/^\/+/, '') === 'sys/wrapping/wrap') headers['X-Vault-Wrap-TTL'] = '5m'
    let payload: Buffer | undefined
    if (opts.body !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.body))
      headers['Content-Type'] = 'application/json'
      headers['Content-Length'] = String(payload.length)
    }
    Object.assign(headers, opts.headers)
    const display = `${url.origin}${url.pathname}${url.search}`
    return new Promise<ApiResponse>((resolve, reject) => {
      const req = this.#transport.request(url, { method, headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', (err) => reject(new ConnectionError(method, display, err.message, { cause: err })))
        res.on('end', () => {
          const status = res.statusCode ?? 0
          const text = Buffer.concat(chunks).toString('utf8')
          let body: unknown = null
          if (text.trim() !== '') {
            try {
              body = JSON.parse(text)
            } catch {
              body = text
            }
          }
          if (status >= 400) {
            reject(new ApiError(method, display, status, extractErrors(body), body))
          } else if (typeof body === 'string' && isJsonContentType(res.headers['content-type'])) {
            reject(new ConnectionError(method, display, 'the server sent a response that is not valid JSON'))
          } else {
            resolve({ status, body })
          }
        })
      })
      req.setTimeout(this.#timeoutMs, () => {
        req.destroy(new Error(`no response within ${this.#timeoutMs} ms`))
      })
      req.on('error', (err: NodeJS.ErrnoException) => {
        reject(
          new ConnectionError(method, display, err.message || err.code || 'request failed', { cause: err }),
        )
      })
      req.end(payload)
    })
  }

  /** Read a path; undefined when the server answers 404 with nothing in it (Vault's "no value found"). */
  async read(path: string, query?: Record<string, string>): Promise<SecretEnvelope | undefined> {
    try {
      const res = await this.request('GET', path, query === undefined ? {} : { query })
      return (res.body ?? undefined) as SecretEnvelope | undefined
    } catch (error) {
      // KV v2 answers a deleted or destroyed version with 404 and the version's metadata, which callers need.
      if (error instanceof ApiError && error.status === 404) {
        const body = error.body as SecretEnvelope | null
        if (body && typeof body === 'object' && (hasContent(body.data) || hasContent(body.warnings)))
          return body
        return undefined
      }
      throw error
    }
  }

  async write(path: string, data?: Record<string, unknown>): Promise<SecretEnvelope | undefined> {
    const res = await this.request('PUT', path, { body: data ?? {} })
    return (res.body ?? undefined) as SecretEnvelope | undefined
  }

  /** List keys under a path with `GET ?list=true` (Node's parser rejects the LIST verb); [] when there is nothing. */
  async list(path: string): Promise<string[]> {
    const envelope = await this.listEnvelope(path)
    const keys = envelope?.data?.['keys']
    return Array.isArray(keys) ? keys.map(String) : []
  }

  async listEnvelope(path: string): Promise<SecretEnvelope | undefined> {
    try {
      const res = await this.request('GET', path, { query: { list: 'true' } })
      return (res.body ?? undefined) as SecretEnvelope | undefined
    } catch (error) {
      // An empty list is a 404 in Vault.
      if (error instanceof ApiError && error.status === 404) return undefined
      throw error
    }
  }

  async delete(path: string, query?: Record<string, string>): Promise<SecretEnvelope | undefined> {
    const res = await this.request('DELETE', path, query === undefined ? {} : { query })
    return (res.body ?? undefined) as SecretEnvelope | undefined
  }

  /** JSON merge patch; Vault answers 415 unless the content type says so. */
  async patch(path: string, data: Record<string, unknown>): Promise<SecretEnvelope | undefined> {
    const res = await this.request('PATCH', path, {
      body: data,
      headers: { 'Content-Type': 'application/merge-patch+json' },
    })
    return (res.body ?? undefined) as SecretEnvelope | undefined
  }

  async sealStatus(): Promise<SealStatus> {
    return (await this.request('GET', 'sys/seal-status')).body as SealStatus
  }

  async initStatus(): Promise<boolean> {
    return Boolean((await this.request('GET', 'sys/init')).body?.initialized)
  }

  /** `extra` carries the optional sys/init fields as named by the API (pgp_keys, root_token_pgp_key). */
  async init(shares: number, threshold: number, extra: Record<string, unknown> = {}): Promise<InitResponse> {
    const body = { ...extra, secret_shares: shares, secret_threshold: threshold }
    return (await this.request('PUT', 'sys/init', { body })).body as InitResponse
  }

  async unseal(key: string, options: { reset?: boolean } = {}): Promise<SealStatus> {
    const body = options.reset ? { reset: true } : { key }
    return (await this.request('PUT', 'sys/unseal', { body })).body as SealStatus
  }

  async seal(): Promise<void> {
    await this.request('PUT', 'sys/seal')
  }

  async keyStatus(): Promise<{ term: number; install_time: string; encryptions?: number }> {
    const body = (await this.request('GET', 'sys/key-status')).body
    return (body?.data ?? body) as { term: number; install_time: string; encryptions?: number }
  }

  async rotate(): Promise<void> {
    await this.request('PUT', 'sys/rotate')
  }

  /** The server's whole (encrypted) storage as a snapshot file (sys/storage/raft/snapshot, needs sudo). */
  snapshotSave(): Promise<Buffer> {
    return this.#binary('GET', 'sys/storage/raft/snapshot')
  }

  /** Replace the server's storage with a snapshot file; `force` skips the check that this server's keys open it. */
  async snapshotRestore(snapshot: Uint8Array, force = false): Promise<void> {
    await this.#binary(
      'POST',
      force ? 'sys/storage/raft/snapshot-force' : 'sys/storage/raft/snapshot',
      snapshot,
    )
  }

  /** A request whose body and answer are raw bytes (snapshot files); errors are JSON as usual. */
  #binary(method: string, path: string, payload?: Uint8Array): Promise<Buffer> {
    const url = this.urlFor(path)
    const headers: Record<string, string> = { 'X-Vault-Request': 'true' }
    if (this.#token) headers['X-Vault-Token'] = this.#token
    if (this.#namespace) headers['X-Vault-Namespace'] = this.#namespace
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/octet-stream'
      headers['Content-Length'] = String(payload.byteLength)
    }
    const display = `${url.origin}${url.pathname}`
    return new Promise<Buffer>((resolve, reject) => {
      const req = this.#transport.request(url, { method, headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', (err) => reject(new ConnectionError(method, display, err.message, { cause: err })))
        res.on('end', () => {
          const status = res.statusCode ?? 0
          const bytes = Buffer.concat(chunks)
          if (status < 400) return resolve(bytes)
          let body: unknown = bytes.toString('utf8')
          try {
            body = JSON.parse(body as string)
          } catch {}
          reject(new ApiError(method, display, status, extractErrors(body), body))
        })
      })
      req.setTimeout(this.#timeoutMs, () =>
        req.destroy(new Error(`no response within ${this.#timeoutMs} ms`)),
      )
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(
          new ConnectionError(method, display, err.message || err.code || 'request failed', { cause: err }),
        ),
      )
      req.end(
        payload === undefined
          ? undefined
          : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      )
    })
  }

  /** sys/health with override codes so a sealed or standby node still yields a parsed body (as the Go client does). */
  async health(): Promise<Record<string, unknown>> {
    const query = { standbycode: '299', sealedcode: '299', uninitcode: '299', performancestandbycode: '299' }
    return (await this.request('GET', 'sys/health', { query })).body as Record<string, unknown>
  }

  async lookupSelf(): Promise<SecretEnvelope> {
    return (await this.request('GET', 'auth/token/lookup-self')).body as SecretEnvelope
  }

  /** The full URL for an API path, e.g. for error messages; never contains the token. */
  urlFor(path: string, query?: Record<string, string>): URL {
    const clean = path.replace(/^\/+/, '').replace(/^v1\//, '')
    const encoded = clean
      .split('/')
      .map((segment) => encodeURIComponent(segment))
      .join('/')
    const prefix = this.#base.pathname.replace(/\/+$/, '')
    const url = new URL(`${prefix}/v1/${encoded}`, this.#base)
    if (query) for (const [key, value] of Object.entries(query)) url.searchParams.append(key, value)
    return url
  }
}

function hasContent(value: unknown): boolean {
  if (value === null || value === undefined) return false
  if (Array.isArray(value)) return value.length > 0
  if (typeof value === 'object') return Object.keys(value).length > 0
  return true
}

function isJsonContentType(value: string | undefined): boolean {
  return value?.includes('json') ?? false
}

/** Every regular file in a CA directory (VAULT_CAPATH names a directory of PEM certificates). */
function pemFilesIn(dir: string): Buffer[] {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((file) => statSync(file).isFile())
    .map((file) => readFileSync(file))
}
