// The CORS configuration (sys/config/cors): stored behind the barrier under core/, held in memory for the HTTP layer.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { getJson, putJson, type Storage } from '../../sdk/storage.ts'

/**
 * Barrier key. Under core/ on purpose: an HA standby rebuilds its services when a key there changes, so a standby
 * applies the active node's CORS settings to the requests it answers itself.
 */
export const CORS_CONFIG_KEY = 'core/cors-config'

/** The request headers a browser may send cross-origin without configuration (Vault's StdAllowedHeaders). */
export const STANDARD_ALLOWED_HEADERS: readonly string[] = Object.freeze([
  'Content-Type',
  'X-Requested-With',
  'X-Vault-AWS-IAM-Server-ID',
  'X-Vault-MFA',
  'X-Vault-No-Request-Forwarding',
  'X-Vault-Wrap-Format',
  'X-Vault-Wrap-TTL',
  'X-Vault-Policy-Override',
  'Authorization',
  'X-Vault-Token',
])

/** The methods a preflight may ask for (Vault's allowedMethods; LIST is Vault's own verb). */
export const CORS_ALLOWED_METHODS: readonly string[] = Object.freeze([
  'DELETE',
  'GET',
  'OPTIONS',
  'POST',
  'PUT',
  'LIST',
])

export interface CorsSettings {
  readonly enabled: boolean
  readonly allowedOrigins: readonly string[]
  /** The standard headers followed by the configured ones, as Vault stores and reports them. */
  readonly allowedHeaders: readonly string[]
}

interface StoredCors {
  enabled: boolean
  allowed_origins?: string[]
  allowed_headers?: string[]
}

const DISABLED: CorsSettings = Object.freeze({ enabled: false, allowedOrigins: [], allowedHeaders: [] })

/** Whether `origin` may make cross-origin requests under `settings` (exact match, or the lone wildcard). */
export function originAllowed(settings: CorsSettings, origin: string): boolean {
  if (!settings.enabled) return false
  if (settings.allowedOrigins.length === 1 && settings.allowedOrigins[0] === '*') return true
  return settings.allowedOrigins.includes(origin)
}

/** The settings an enable request asks for, or a 400 naming what is wrong (Vault's CORSConfig.Enable checks). */
export function corsSettings(origins: readonly string[], headers: readonly string[]): CorsSettings {
  if (origins.length === 0)
    throw new InvalidRequestError(
      'allowed_origins is required: at least one origin, or the wildcard "*", must be provided',
    )
  if (origins.includes('*') && origins.length > 1)
    throw new InvalidRequestError("to allow all origins the '*' must be the only value for allowed_origins")
  for (const origin of origins) {
    if (origin !== '*' && origin.includes('*'))
      throw new InvalidRequestError(`invalid origin "${origin}": a wildcard must be the only value`)
  }
  for (const header of headers) {
    // A header name is an RFC 7230 token: anything else could never match and may split the response header.
    if (!/^[!#$%&'*+.^`|~\w-]+$/.test(header))
      throw new InvalidRequestError(`invalid header name "${header}" in allowed_headers`)
  }
  const standard = new Set(STANDARD_ALLOWED_HEADERS.map((h) => h.toLowerCase()))
  const extra = headers.filter(
    (h, i) =>
      !standard.has(h.toLowerCase()) && headers.findIndex((o) => o.toLowerCase() === h.toLowerCase()) === i,
  )
  return Object.freeze({
    enabled: true,
    allowedOrigins: Object.freeze([...new Set(origins)]),
    allowedHeaders: Object.freeze([...STANDARD_ALLOWED_HEADERS, ...extra]),
  })
}

/**
 * The settings in force. A change is written to storage first and put in force only once stored, and changes run
 * one at a time: the settings served are always the last ones stored.
 */
export class CorsConfig {
  readonly #storage: Storage
  #settings: CorsSettings = DISABLED
  #writes: Promise<unknown> = Promise.resolve()

  constructor(storage: Storage) {
    this.#storage = storage
  }

  async load(): Promise<void> {
    const stored = await getJson<StoredCors>(this.#storage, CORS_CONFIG_KEY)
    if (!stored?.enabled) {
      this.#settings = DISABLED
      return
    }
    // Taken as stored (it was checked when written): a rule tightened later must not stop a server from unsealing.
    this.#settings = Object.freeze({
      enabled: true,
      allowedOrigins: Object.freeze([...(stored.allowed_origins ?? [])]),
      allowedHeaders: Object.freeze([...(stored.allowed_headers ?? STANDARD_ALLOWED_HEADERS)]),
    })
  }

  get current(): CorsSettings {
    return this.#settings
  }

  enable(settings: CorsSettings): Promise<void> {
    return this.#write(settings)
  }

  disable(): Promise<void> {
    return this.#write(DISABLED)
  }

  #write(settings: CorsSettings): Promise<void> {
    const run = this.#writes.then(async () => {
      await putJson(this.#storage, CORS_CONFIG_KEY, {
        enabled: settings.enabled,
        ...(settings.enabled
          ? { allowed_origins: [...settings.allowedOrigins], allowed_headers: [...settings.allowedHeaders] }
          : {}),
      } satisfies StoredCors)
      this.#settings = settings
    })
    this.#writes = run.catch(() => {})
    return run
  }
}
