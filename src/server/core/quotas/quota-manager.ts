// The rate-limit quotas: stored behind the barrier, indexed in memory by scope, and each request's check against them.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { getJson, putJson, type Storage } from '../../../sdk/storage.ts'
import { type BucketVerdict, ClientBuckets } from './client-buckets.ts'
import { defaultQuotaConfig, ExemptPaths, type QuotaConfig } from './quota-config.ts'
import { type QuotaScope, type RateLimitQuota, scopeKey, scopeOf } from './rate-limit-quota.ts'

/** Storage keys under the manager's view (core's `sys/quotas/`). */
const QUOTA_PREFIX = 'rate-limit/'
const CONFIG_KEY = 'config'

/** A quota as stored: the rule, and the mount its path fell in when it was written (absent for a global quota). */
export interface StoredQuota extends RateLimitQuota {
  mount?: string
}

/** A quota in force: its rule, its scope and its clients' buckets. */
interface ActiveQuota {
  quota: StoredQuota
  scope: QuotaScope
  buckets: ClientBuckets
}

/** What a request is checked as. */
export interface QuotaTarget {
  /** The request path, without /v1/. */
  path: string
  /** The mount the path falls in, with its trailing slash; undefined when it falls in none. */
  mount: string | undefined
  /** The role a login names; asked only when the mount has role quotas. */
  role(): string | undefined
  /** The client's address: each address has its own buckets. */
  client: string
}

export interface QuotaDecision {
  quota: RateLimitQuota
  verdict: BucketVerdict
}

export class QuotaManager {
  readonly #storage: Storage
  #config: QuotaConfig = defaultQuotaConfig()
  #exempt = new ExemptPaths(this.#config.rate_limit_exempt_paths)
  readonly #byName = new Map<string, ActiveQuota>()
  #global: ActiveQuota | undefined
  readonly #byMount = new Map<string, ActiveQuota>()
  readonly #byPath = new Map<string, ActiveQuota>()
  /** Prefix quotas, longest prefix first. */
  #prefixes: ActiveQuota[] = []
  /** Role quotas by mount, then role. */
  readonly #byRole = new Map<string, Map<string, ActiveQuota>>()
  /** Changes one at a time, so a conflict check and the write it guards see the same set of quotas. */
  #writes: Promise<unknown> = Promise.resolve()

  constructor(storage: Storage) {
    this.#storage = storage
  }

  /**
   * Read the quotas and the config from storage and put them in force, replacing what was (an HA standby calls it
   * again when the active node changed them). Everything is read first and swapped in at once, so no request sees a
   * half-loaded set.
   */
  async load(): Promise<void> {
    const config = await getJson<Partial<QuotaConfig>>(this.#storage, CONFIG_KEY)
    const quotas: StoredQuota[] = []
    for (const key of await this.#storage.list(QUOTA_PREFIX)) {
      if (key.endsWith('/')) continue
      const quota = await getJson<StoredQuota>(this.#storage, QUOTA_PREFIX + key)
      if (quota) quotas.push(quota)
    }
    this.#setConfig({ ...defaultQuotaConfig(), ...config })
    for (const name of [...this.#byName.keys()]) this.#unindex(name)
    for (const quota of quotas) this.#index(quota)
  }

  /** No quota at all: the request pipeline's whole cost of rate limiting is reading this. */
  get empty(): boolean {
    return this.#byName.size === 0
  }

  get config(): QuotaConfig {
    return this.#config
  }

  names(): string[] {
    return [...this.#byName.keys()].sort()
  }

  get(name: string): StoredQuota | undefined {
    return this.#byName.get(name)?.quota
  }

  /**
   * Create or replace a quota. Refused when another quota already covers the same scope (Vault's "similar
   * properties"). A replaced quota starts with fresh buckets, as Vault's does.
   */
  put(quota: StoredQuota): Promise<void> {
    return this.#serial(async () => {
      const key = scopeKey(scopeOf(quota, quota.mount))
      for (const other of this.#byName.values()) {
        if (other.quota.name !== quota.name && scopeKey(other.scope) === key)
          throw new InvalidRequestError(
            `quota rule with similar properties exists under the name "${other.quota.name}"`,
          )
      }
      await putJson(this.#storage, QUOTA_PREFIX + quota.name, quota)
      this.#unindex(quota.name)
      this.#index(quota)
    })
  }

  delete(name: string): Promise<void> {
    return this.#serial(async () => {
      await this.#storage.delete(QUOTA_PREFIX + name)
      this.#unindex(name)
    })
  }

  /** A mount is gone: its quotas go with it, as in Vault. */
  deleteForMount(mount: string): Promise<void> {
    return this.#serial(async () => {
      for (const active of [...this.#byName.values()]) {
        if (active.quota.mount !== mount) continue
        await this.#storage.delete(QUOTA_PREFIX + active.quota.name)
        this.#unindex(active.quota.name)
      }
    })
  }

  /**
   * A mount moved from `from` to `to` (both with their trailing slash): its quotas now cover the new path, a path
   * inside it keeping its place relative to the mount, as Vault's quotas keep their path suffix.
   */
  moveMount(from: string, to: string): Promise<void> {
    return this.#serial(async () => {
      for (const active of [...this.#byName.values()]) {
        const { quota } = active
        if (quota.mount !== from) continue
        const moved: StoredQuota = { ...quota, mount: to, path: to + quota.path.slice(from.length) }
        await putJson(this.#storage, QUOTA_PREFIX + quota.name, moved)
        this.#unindex(quota.name)
        this.#index(moved)
      }
    })
  }

  setConfig(config: QuotaConfig): Promise<void> {
    return this.#serial(async () => {
      await putJson(this.#storage, CONFIG_KEY, config)
      this.#setConfig(config)
    })
  }

  /**
   * Spend one request of the most specific quota covering `target` (role, then exact path, then the longest path
   * prefix, then the mount, then the global quota); undefined when the path is exempt or no quota covers it.
   * Synchronous: nothing else runs between the look-up and the spend.
   */
  check(target: QuotaTarget, now: number): QuotaDecision | undefined {
    if (this.#exempt.has(target.path)) return undefined
    const active = this.#find(target)
    if (active === undefined) return undefined
    return { quota: active.quota, verdict: active.buckets.take(target.client, now) }
  }

  #find(target: QuotaTarget): ActiveQuota | undefined {
    const { path, mount } = target
    if (mount !== undefined) {
      const roles = this.#byRole.get(mount)
      if (roles !== undefined) {
        const role = target.role()
        const byRole = role === undefined ? undefined : roles.get(role)
        if (byRole !== undefined) return byRole
      }
    }
    const exact = this.#byPath.get(path)
    if (exact !== undefined) return exact
    for (const active of this.#prefixes)
      if (active.scope.kind === 'prefix' && path.startsWith(active.scope.prefix)) return active
    if (mount !== undefined) {
      const byMount = this.#byMount.get(mount)
      if (byMount !== undefined) return byMount
    }
    return this.#global
  }

  #setConfig(config: QuotaConfig): void {
    this.#config = Object.freeze({ ...config, rate_limit_exempt_paths: [...config.rate_limit_exempt_paths] })
    this.#exempt = new ExemptPaths(config.rate_limit_exempt_paths)
  }

  #index(quota: StoredQuota): void {
    const scope = scopeOf(quota, quota.mount)
    // Vault rounds a fractional rate to whole requests (7.7 allows 8), with at least one.
    const limit = Math.max(1, Math.round(quota.rate))
    const active: ActiveQuota = {
      quota,
      scope,
      buckets: new ClientBuckets(limit, quota.interval * 1000, quota.block_interval * 1000),
    }
    this.#byName.set(quota.name, active)
    switch (scope.kind) {
      case 'global':
        this.#global = active
        break
      case 'mount':
        this.#byMount.set(scope.mount, active)
        break
      case 'path':
        this.#byPath.set(scope.path, active)
        break
      case 'prefix':
        this.#prefixes = [...this.#prefixes, active].sort(
          (a, b) => prefixLength(b.scope) - prefixLength(a.scope),
        )
        break
      case 'role': {
        const roles = this.#byRole.get(scope.mount) ?? new Map<string, ActiveQuota>()
        roles.set(scope.role, active)
        this.#byRole.set(scope.mount, roles)
        break
      }
    }
  }

  #unindex(name: string): void {
    const active = this.#byName.get(name)
    if (active === undefined) return
    this.#byName.delete(name)
    const { scope } = active
    switch (scope.kind) {
      case 'global':
        if (this.#global === active) this.#global = undefined
        break
      case 'mount':
        if (this.#byMount.get(scope.mount) === active) this.#byMount.delete(scope.mount)
        break
      case 'path':
        if (this.#byPath.get(scope.path) === active) this.#byPath.delete(scope.path)
        break
      case 'prefix':
        this.#prefixes = this.#prefixes.filter((other) => other !== active)
        break
      case 'role': {
        const roles = this.#byRole.get(scope.mount)
        if (roles?.get(scope.role) === active) roles.delete(scope.role)
        if (roles?.size === 0) this.#byRole.delete(scope.mount)
        break
      }
    }
  }

  #serial<T>(change: () => Promise<T>): Promise<T> {
    const next = this.#writes.then(change)
    this.#writes = next.catch(() => undefined)
    return next
  }
}

function prefixLength(scope: QuotaScope): number {
  return scope.kind === 'prefix' ? scope.prefix.length : 0
}
