// The proxy's cache rules in one place: which requests are answered from the lease or static cache, what a write,
// a revocation, a change event or a 403/404 drops, and when a copy may be served while the server is down.
import type { OutgoingHttpHeaders } from 'node:http'
import { ConnectionError } from '../../client/index.ts'
import type { WatchedEvent } from './event-watch.ts'
import { type KvMounts, pathsChangedBy, staticDataPath } from './kv-mounts.ts'
import { type CachedAnswer, cacheKey, type LeaseCache } from './lease-cache.ts'
import type { ServerContact } from './server-contact.ts'
import type { StaticCache } from './static-cache.ts'

export interface ProxiedRequest {
  method: string
  /** The request URL as received (path and query). */
  url: string
  /** The API path without /v1/ or query, e.g. `secret/data/app`. */
  path: string
  query: URLSearchParams
  /** The token the request is sent with ('' when none). */
  token: string
  namespace: string
  body: Buffer
  /** Headers that change what the server answers (wrapping, consistency): such reads are never cached. */
  altersAnswer: boolean
}

export interface UpstreamAnswer {
  status: number
  headers: OutgoingHttpHeaders
  body: Buffer
}

export interface Reply {
  status: number
  headers: OutgoingHttpHeaders
  body: Buffer
}

export interface ProxyCachingOptions {
  leases: LeaseCache
  statics: StaticCache | undefined
  mounts: KvMounts
  contact: ServerContact
  /**
   * The agent's own token. Its revocation at the server is heard (the event subscription, bound to it, is
   * closed), unlike another token's: only it is served static copies while the server is down.
   */
  agentToken(): string | undefined
  /** Asks the server whether `token` may read `path` (throws ConnectionError when it cannot be asked). */
  canRead(token: string, path: string): Promise<boolean>
  log(level: 'info' | 'error', message: string): void
}

const REVOKE_TOKEN = /^auth\/token\/revoke/
const REVOKE_LEASE = /^sys\/(leases\/revoke|revoke)/

export class ProxyCaching {
  readonly #o: ProxyCachingOptions
  /** Counts revocations seen (sent and answered): a leased read answered across one is not stored. */
  #revocations = 0

  constructor(options: ProxyCachingOptions) {
    this.#o = options
  }

  /** A GET with a token, not a list and not wrapped: the only requests answered from a cache. */
  cacheable(req: ProxiedRequest): boolean {
    return req.method === 'GET' && req.token !== '' && !req.altersAnswer && !req.query.has('list')
  }

  /** Before any request is forwarded: a revocation or a change passing through drops what it makes untrue. */
  beforeForward(req: ProxiedRequest): void {
    if (!this.#revoked(req.path) && req.method !== 'GET' && req.method !== 'HEAD') this.#changed(req.path)
  }

  /** After a forwarded request was answered (or not): contact, and a change that completed drops again. */
  afterForward(req: ProxiedRequest, status: number | undefined): void {
    if (status === undefined) {
      this.#o.contact.unreachable()
      return
    }
    this.#o.contact.serverAnswered()
    // A read sent before the server carried out the change or revocation may have been stored meanwhile, with a
    // token or a value that is no longer good: drop again now that it is done.
    if (!this.#revoked(req.path) && req.method !== 'GET' && req.method !== 'HEAD') this.#changed(req.path)
  }

  /** A revocation passing through drops what it ends; true when `path` is one. */
  #revoked(path: string): boolean {
    if (REVOKE_TOKEN.test(path)) {
      // A revoked token takes its children with it, and the agent does not know the tree: drop everything.
      this.#revocations++
      this.#o.leases.clear()
      this.#o.statics?.clear()
      return true
    }
    if (REVOKE_LEASE.test(path)) {
      // A lease may be a token's (sys/leases/revoke-prefix/auth/...): the tokens it ends lose their static copies.
      this.#revocations++
      this.#o.leases.clear()
      this.#o.statics?.clear()
      return true
    }
    return false
  }

  /** Answer a cacheable GET: from a cache, from the server (remembering the answer), or stale, or with a 502. */
  async serve(req: ProxiedRequest, forward: () => Promise<UpstreamAnswer | undefined>): Promise<Reply> {
    const leaseKey = cacheKey(req.method, req.url, req.token, req.namespace, req.body)
    const staticKey = `${req.namespace}\0${req.url.replace(/^\/v1\//, '')}`
    try {
      const leased = await this.#o.leases.lookup(
        leaseKey,
        () => this.#o.canRead(req.token, req.path),
        () => this.#o.contact.fresh,
      )
      if (leased.kind === 'hit') return hit(leased.answer, this.#o.contact.now(), false)
      if (leased.kind === 'unreachable') return this.#unreachable(req, leaseKey, staticKey)
      const fromStatic = await this.#staticHit(req, staticKey)
      if (fromStatic) return fromStatic
    } catch (error) {
      if (error instanceof ConnectionError) return this.#unreachable(req, leaseKey, staticKey)
      throw error
    }
    const begun = this.#o.statics?.begin() ?? 0
    const revocationsBefore = this.#revocations
    const wasFresh = this.#o.contact.fresh
    const answer = await forward()
    if (!answer) return this.#unreachable(req, leaseKey, staticKey)
    this.#o.contact.serverAnswered()
    const contentType = String(answer.headers['content-type'] ?? '')
    if (answer.status === 403 || answer.status === 404) {
      // The server says no (revoked token, lost policy, deleted secret): no copy survives that.
      // A static entry's data path is its request path, so every version and namespace of it goes.
      this.#o.leases.drop(leaseKey)
      this.#o.statics?.invalidatePath(req.path)
    } else if (answer.status === 200) {
      if (this.#revocations === revocationsBefore)
        this.#o.leases.store(
          leaseKey,
          answer.status,
          contentType,
          answer.body,
          wasFresh && this.#o.contact.fresh,
        )
      await this.#storeStatic(req, staticKey, answer, contentType, begun, wasFresh)
    }
    return { status: answer.status, headers: answer.headers, body: answer.body }
  }

  /** A change event from the server. */
  onEvent(event: WatchedEvent): void {
    if (event.type === 'lease/revoke') {
      if (event.leaseId && this.#o.leases.dropLease(event.leaseId) > 0)
        this.#o.log('info', 'api proxy cache: a cached lease was revoked at the server; dropped')
      return
    }
    const statics = this.#o.statics
    if (!statics) return
    const dropped =
      event.type === 'kv-v2/config-write' && event.mountPath !== ''
        ? statics.invalidatePrefix(event.mountPath)
        : statics.invalidatePath(event.dataPath)
    if (dropped > 0)
      this.#o.log('info', `api proxy cache: ${event.type} event; dropped ${dropped} cached entries`)
  }

  /** Contact is back after a loss: static copies may have missed changes; leases are confirmed anew before stale use. */
  purge(): void {
    this.#o.statics?.clear()
    this.#o.mounts.forget()
    this.#o.leases.doubtAll()
  }

  /** Everything the agent cached goes (its own token changed). */
  clear(): void {
    this.#o.statics?.clear()
    this.#o.leases.clear()
  }

  async #staticHit(req: ProxiedRequest, key: string): Promise<Reply | undefined> {
    const statics = this.#o.statics
    const entry = statics?.get(key)
    if (!statics || !entry || !this.#o.contact.fresh) return undefined
    const authorisedAt = statics.authorisedAt(entry, req.token)
    // A token the server has never accepted for this path is sent to the server, whose answer then counts.
    if (authorisedAt === undefined) return undefined
    // Asked at every hit, not every few minutes: a token revoked at the server (directly, with its parent, its
    // lease prefix or its auth mount) or whose policy lost the path is heard of by no event in time, and a copy
    // served after the server answered that change would be a revoked credential's read.
    if (!(await this.#o.canRead(req.token, entry.dataPath))) {
      statics.forget(entry, req.token)
      return undefined
    }
    const now = this.#o.contact.now()
    statics.authorise(entry, req.token, now)
    // The check above awaited: a change event may have dropped the entry meanwhile.
    if (statics.get(key) !== entry || !this.#o.contact.fresh) return undefined
    return hit(entry, now, false)
  }

  async #storeStatic(
    req: ProxiedRequest,
    key: string,
    answer: UpstreamAnswer,
    contentType: string,
    begun: number,
    wasFresh: boolean,
  ): Promise<void> {
    const statics = this.#o.statics
    // Stored only while every change is heard, from before the read was sent until now.
    if (!statics || !wasFresh || !this.#o.contact.fresh || !isStaticAnswer(answer.body)) return
    let kv: Awaited<ReturnType<KvMounts['lookup']>>
    try {
      kv = await this.#o.mounts.lookup(req.path, req.token)
    } catch {
      return
    }
    const dataPath = kv ? staticDataPath(kv, req.path) : undefined
    if (!dataPath || !this.#o.contact.fresh) return
    statics.store(
      key,
      dataPath,
      req.token,
      { status: answer.status, contentType, body: answer.body },
      begun,
      this.#o.contact.now(),
    )
  }

  #unreachable(req: ProxiedRequest, leaseKey: string, staticKey: string): Reply {
    const contact = this.#o.contact
    contact.unreachable()
    if (contact.staleAllowed) {
      const leased = this.#o.leases.stale(leaseKey)
      if (leased) return hit(leased, contact.now(), true)
      const statics = this.#o.statics
      const entry = statics?.get(staticKey)
      const ownToken = req.token !== '' && req.token === this.#o.agentToken()
      if (entry && ownToken && statics?.authorisedAt(entry, req.token) !== undefined)
        return hit(entry, contact.now(), true)
    }
    return unreachableReply()
  }

  #changed(path: string): void {
    const statics = this.#o.statics
    if (!statics) return
    const changed = pathsChangedBy(this.#o.mounts.known(path), path)
    for (const exact of changed.exact) statics.invalidatePath(exact)
    if (changed.prefix) statics.invalidatePrefix(changed.prefix)
  }
}

/** A KV answer as cacheable: plain data, no lease, no token, nothing wrapped. */
function isStaticAnswer(body: Buffer): boolean {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>
    return (
      (parsed['lease_id'] ?? '') === '' &&
      !parsed['auth'] &&
      !parsed['wrap_info'] &&
      parsed['data'] !== null &&
      typeof parsed['data'] === 'object'
    )
  } catch {
    return false
  }
}

function hit(answer: CachedAnswer, now: number, stale: boolean): Reply {
  const headers: OutgoingHttpHeaders = {
    'content-type': answer.contentType,
    'x-cache': 'HIT',
    age: String(Math.max(0, Math.floor((now - answer.storedAt) / 1000))),
  }
  if (stale) headers['x-coffer-cache'] = 'stale'
  return { status: answer.status, headers, body: answer.body }
}

export function unreachableReply(): Reply {
  return {
    status: 502,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ errors: ['the agent could not reach the server'] })),
  }
}
