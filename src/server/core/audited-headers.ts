// The audited request headers (sys/config/auditing/request-headers): stored behind the barrier, held in memory for audit.
import { getJson, putJson, type Storage } from '../../sdk/storage.ts'
import { type AuditedHeaderSet, auditedHeaderSet, checkHeaderName } from '../audit/request-headers.ts'

/**
 * The storage view core gives the store. Under core/ on purpose: an HA standby rebuilds its services when a key
 * there changes, so the reads a standby answers itself record the headers the active node was told to record.
 */
export const AUDITED_HEADERS_VIEW = 'core/audited-headers/'
/** The one key in that view: Vault's stored shape, lower-cased name → { hmac }. */
export const AUDITED_HEADERS_KEY = 'config'

export interface AuditedHeaderSettings {
  readonly hmac: boolean
}

/**
 * The headers in force. A change is written to storage first and put in force only once stored, and changes run
 * one at a time: the settings applied are always the last ones stored.
 */
export class AuditedHeadersConfig {
  readonly #storage: Storage
  /** Lower-cased name → hmac. Replaced, never changed in place, so `#set` always matches a whole version of it. */
  #settings: ReadonlyMap<string, boolean> = new Map()
  #set: AuditedHeaderSet | undefined
  #writes: Promise<unknown> = Promise.resolve()

  constructor(storage: Storage) {
    this.#storage = storage
  }

  async load(): Promise<void> {
    const stored = await getJson<Record<string, unknown>>(this.#storage, AUDITED_HEADERS_KEY)
    const settings = new Map<string, boolean>()
    if (stored !== null && typeof stored === 'object') {
      for (const [name, value] of Object.entries(stored)) {
        // Taken as stored where it can be: a name Vault stored before it lower-cased them is lower-cased (as Vault
        // does on load). An entry that could never match a header, or is not a setting, cannot stop an unseal; it is
        // dropped. A flag that is not false counts as true: the doubt goes to hashing.
        if (value === null || typeof value !== 'object') continue
        let lower: string
        try {
          lower = checkHeaderName(name)
        } catch {
          continue
        }
        settings.set(lower, (value as { hmac?: unknown }).hmac !== false)
      }
    }
    this.#apply(settings)
  }

  /** The set audit entries are built with now; undefined while no header is configured. */
  get current(): AuditedHeaderSet | undefined {
    return this.#set
  }

  /** The settings of one header, by any case; undefined when it is not configured. 400 for an invalid name. */
  get(name: string): AuditedHeaderSettings | undefined {
    const hmac = this.#settings.get(checkHeaderName(name))
    return hmac === undefined ? undefined : { hmac }
  }

  /** Every configured header, lower-cased name → settings, sorted by name (on an object without a prototype). */
  all(): Record<string, AuditedHeaderSettings> {
    const out = Object.create(null) as Record<string, AuditedHeaderSettings>
    for (const name of [...this.#settings.keys()].sort()) out[name] = { hmac: this.#settings.get(name)! }
    return out
  }

  /** Add or overwrite a header (stored lower-cased). 400 for an invalid name. */
  add(name: string, hmac: boolean): Promise<void> {
    let lower: string
    try {
      lower = checkHeaderName(name)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#write((settings) => settings.set(lower, hmac))
  }

  /** Stop auditing a header; nothing happens when it is not configured. 400 for an invalid name. */
  remove(name: string): Promise<void> {
    let lower: string
    try {
      lower = checkHeaderName(name)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#write((settings) => settings.delete(lower))
  }

  #write(change: (settings: Map<string, boolean>) => void): Promise<void> {
    const run = this.#writes.then(async () => {
      const next = new Map(this.#settings)
      change(next)
      const stored: Record<string, { hmac: boolean }> = Object.create(null)
      for (const [name, hmac] of next) stored[name] = { hmac }
      await putJson(this.#storage, AUDITED_HEADERS_KEY, stored)
      this.#apply(next)
    })
    this.#writes = run.catch(() => {})
    return run
  }

  #apply(settings: ReadonlyMap<string, boolean>): void {
    this.#settings = settings
    this.#set = auditedHeaderSet(settings)
  }
}
