// Service tokens: minted random, stored only as salted HMACs, indexed by accessor and parent, revoked as trees.
import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto'
import { constantTimeEqual, hmacSha256Hex } from '../../../lib/hash.ts'
import { KeyLocks } from '../../../lib/key-locks.ts'
import { timeOrderedId } from '../../../lib/random.ts'
import type { Clock } from '../../../lib/time.ts'
import { Tombstones } from '../../../lib/tombstones.ts'
import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { getJson, putJson, type Storage, type StorageOp } from '../../../sdk/storage.ts'
import { DueIndex } from '../expiration/due-index.ts'
import { BatchTokenCodec, isBatchIdentity, isBatchToken, issueBatchToken } from './batch-tokens.ts'
import { type CreateTokenInput, effectiveTtl, type TokenEntry, USES_SPENT } from './token-entry.ts'

/** Service tokens start with this so leak scanners can recognise a Coffer token on sight. */
export const SERVICE_TOKEN_PREFIX = 'cvs.'
/** Random characters in a generated token, after the seven of its creation clock. */
const TOKEN_RANDOM_LENGTH = 40
const CLOCK_CHARS = 7
/** A generated token's shape: `cvs.`, seven clock characters, 40 random ones. */
const GENERATED_TOKEN = /^cvs\.[0-9A-Za-z]{47}$/
/** Characters in a generated service token: a generate-root OTP must be this long. */
export const GENERATED_TOKEN_LENGTH = SERVICE_TOKEN_PREFIX.length + CLOCK_CHARS + TOKEN_RANDOM_LENGTH
/** A stored token identity: a generated token's clock prefix and HMAC, or (chosen and older tokens) the HMAC. */
const ID_HASH = /^(?:[0-9A-Za-z]{7}-)?[0-9a-f]{64}$/
const CACHE_LIMIT = 10_000

/** Re-exported: the input lives beside the entry, so batch tokens need not import the store. */
export type { CreateTokenInput }

const keys = {
  salt: 'salt',
  id: (hash: string) => `id/${hash}`,
  accessor: (accessor: string) => `accessor/${accessor}`,
  parent: (parentHash: string, childHash: string) => `parent/${parentHash}/${childHash}`,
  parentPrefix: (parentHash: string) => `parent/${parentHash}/`,
  /** The pre-0.2 expiry index, moved into the due index on load. */
  legacyExpiry: 'expiry/',
}

/** The TTL a renewal asks for before any cap: the period, else the increment, else the TTL the token was made with. */
export function renewalTarget(entry: Pick<TokenEntry, 'period' | 'creationTtl'>, increment: number): number {
  return entry.period > 0 ? entry.period : increment > 0 ? increment : entry.creationTtl
}

export class TokenStore {
  readonly #storage: Storage
  readonly #clock: Clock
  #salt: KeyObject | undefined
  /** Recently used entries by hash; every write or revoke goes through this class, so it stays exact. */
  readonly #cache = new Map<string, TokenEntry>()
  /**
   * Bumped by forgetCached: a read that began before (an HA standby's, of the entry another node has since
   * revoked or changed) may hold the old entry, and must not put it back in the cache.
   */
  #cacheGeneration = 0
  /** Generated tokens' storage identities (clock characters and HMAC), by token; see #generatedHash. */
  readonly #generatedHashes = new Map<string, string>()
  /**
   * Tokens revoked, used up or redeemed: refused from the moment that begins, before any await, and never
   * cached again, so a lookup racing the revocation cannot bring the entry back.
   */
  readonly #dead = new Tombstones()
  /** Every read-modify-write of one token (use count, renewal, re-parenting, revocation) runs in turn. */
  readonly #locks = new KeyLocks()
  readonly #revoking = new Map<string, Promise<void>>()
  readonly #hashes = new Map<string, string>()
  readonly #revokeListeners: ((idHash: string, entry: TokenEntry) => Promise<unknown>)[] = []
  readonly #beforeDeleteListeners: ((idHash: string) => Promise<unknown>)[] = []
  /** Token expiries; only the soon-due part is in memory, so unseal does not read every token. */
  readonly #due: DueIndex
  #batch: BatchTokenCodec | undefined

  constructor(storage: Storage, clock: Clock) {
    this.#storage = storage
    this.#due = new DueIndex(storage, 'due/')
    this.#clock = clock
  }

  async load(): Promise<void> {
    await this.#migrateLegacyExpiry()
    await this.#due.open()
    this.#batch = await BatchTokenCodec.load(this.#storage)
    const stored = await this.#storage.get(keys.salt)
    if (stored) {
      this.#salt = createSecretKey(stored)
      return
    }
    const salt = randomBytes(32)
    await this.#storage.put(keys.salt, salt)
    this.#salt = createSecretKey(salt)
  }

  /**
   * Forget every cached token entry (an HA standby whose change log says another node wrote tokens): the next
   * lookup of each reads storage again.
   */
  forgetCached(): void {
    this.#cacheGeneration++
    this.#cache.clear()
  }

  hash(token: string): string {
    if (!this.#salt) throw new Error('token store is not loaded')
    // Memoised: an HMAC per request costs more than the rest of the token check. A stale mapping is harmless
    // because the entry it points to is deleted on revocation.
    let hash = this.#hashes.get(token)
    if (hash === undefined) {
      hash = hmacSha256Hex(this.#salt, token)
      if (this.#hashes.size >= CACHE_LIMIT) this.#hashes.clear()
      this.#hashes.set(token, hash)
    }
    return hash
  }

  /**
   * A generated token is stored under its clock characters and its HMAC, so token rows and every index keyed by
   * them grow in creation order: a login's commit appends instead of dirtying a random index page. The clock
   * characters are not secret (they are the creation time); all 40 random characters stay behind the HMAC.
   */
  #generatedHash(token: string): string {
    // Memoised like `hash`: reusing one string object also spares hashing a fresh 70-character key in every map and
    // set the lookup consults. Only tokens of the generated shape are ever put here.
    let idHash = this.#generatedHashes.get(token)
    if (idHash === undefined) {
      idHash = `${token.slice(SERVICE_TOKEN_PREFIX.length, SERVICE_TOKEN_PREFIX.length + CLOCK_CHARS)}-${this.hash(token)}`
      if (this.#generatedHashes.size >= CACHE_LIMIT) this.#generatedHashes.clear()
      this.#generatedHashes.set(token, idHash)
    }
    return idHash
  }

  /** A token of either type: a stored service token, or a batch token that stores nothing. */
  async issue(
    type: 'service' | 'batch',
    input: CreateTokenInput,
  ): Promise<{ token: string; entry: TokenEntry }> {
    return type === 'batch' ? this.createBatch(input) : this.create(input)
  }

  /** A batch token (see batch-tokens.ts): nothing is stored. */
  createBatch(input: CreateTokenInput): { token: string; entry: TokenEntry } {
    return issueBatchToken(this.#codec(), input, this.#clock.now())
  }

  #codec(): BatchTokenCodec {
    if (!this.#batch) throw new Error('token store is not loaded')
    return this.#batch
  }

  /** A root token as init, generate-root and dev mode make it (Vault's tokenStore.rootToken): no TTL, no parent. */
  createRoot(id?: string): Promise<{ token: string; entry: TokenEntry }> {
    return this.create({
      policies: ['root'],
      parentHash: '',
      ttl: 0,
      maxTtl: 0,
      path: 'auth/token/root',
      displayName: 'root',
      ...(id !== undefined ? { id } : {}),
    })
  }

  async create(input: CreateTokenInput): Promise<{ token: string; entry: TokenEntry }> {
    const now = this.#clock.now()
    let token: string
    let idHash: string
    if (input.id === undefined) {
      token = SERVICE_TOKEN_PREFIX + timeOrderedId(CLOCK_CHARS + TOKEN_RANDOM_LENGTH, now)
      idHash = this.#generatedHash(token)
    } else {
      // A chosen token is stored under its HMAC alone: its characters are secret, none may reach a storage key.
      token = input.id
      idHash = this.hash(token)
    }
    if (input.parentHash !== '' && !(await this.lookupByHash(input.parentHash)))
      throw new PermissionDeniedError()
    const period = input.period ?? 0
    const { ttl, hardCap, explicitMaxTtl } = effectiveTtl(input)
    const entry: TokenEntry = {
      idHash,
      // Time-ordered: the accessor index then grows at its end, sparing the commit a random page write.
      accessor: timeOrderedId(24, now),
      parentHash: input.parentHash,
      policies: input.policies,
      meta: input.meta ?? {},
      displayName: input.displayName ?? 'token',
      numUses: input.numUses ?? 0,
      creationTime: Math.floor(now / 1000),
      creationTtl: ttl,
      expireTime: ttl > 0 ? now + ttl * 1000 : 0,
      maxExpireTime: hardCap > 0 ? now + hardCap * 1000 : 0,
      explicitMaxTtl,
      period,
      renewable: input.renewable ?? true,
      path: input.path,
      type: 'service',
      role: input.role ?? '',
      entityId: input.entityId ?? '',
      lastRenewalTime: 0,
      ...(input.boundCidrs?.length ? { boundCidrs: input.boundCidrs } : {}),
      ...(input.login ? { login: input.login } : {}),
    }
    const ops: StorageOp[] = [
      { op: 'put' as const, key: keys.id(idHash), value: encode(entry) },
      { op: 'put' as const, key: keys.accessor(entry.accessor), value: Buffer.from(idHash) },
    ]
    if (entry.parentHash !== '') {
      ops.push({ op: 'put', key: keys.parent(entry.parentHash, idHash), value: new Uint8Array() })
    }
    if (entry.expireTime > 0) ops.push(this.#due.putOp(entry.expireTime, idHash, idHash))
    if (input.id === undefined) await this.#storage.batch(ops)
    else {
      // A chosen id is checked and written under its lock: two creates with one id would otherwise both pass the
      // check, and every caller but the last would hold a token whose policies are another caller's.
      const chosen = token
      await this.#locks.run(idHash, async () => {
        const taken =
          (await this.#get(idHash)) ??
          (GENERATED_TOKEN.test(chosen) ? await this.#get(this.#generatedHash(chosen)) : undefined)
        if (taken) throw new InvalidRequestError('cannot create a token with a duplicate ID')
        await this.#storage.batch(ops)
      })
    }
    if (entry.expireTime > 0) this.#due.noteAdded(entry.expireTime, idHash, idHash)
    this.#remember(entry)
    // The parent may have been revoked while this child was being written. Its revocation lists children only
    // after marking it dead, so either that listing saw this child, or this check sees the parent gone.
    if (entry.parentHash !== '' && !(await this.lookupByHash(entry.parentHash))) {
      await this.revokeTree(idHash)
      throw new PermissionDeniedError()
    }
    return { token, entry }
  }

  /** The live entry for a token, or undefined when unknown, revoked or expired. */
  async lookup(token: string): Promise<TokenEntry | undefined> {
    if (typeof token !== 'string' || token === '') return undefined
    if (isBatchToken(token)) return this.#lookupBatch(token)
    if (token.length > 512) return undefined
    // Generated tokens are found under their clock prefix; chosen ones, and tokens made before tokens carried
    // their clock, under the HMAC alone.
    let idHash = GENERATED_TOKEN.test(token) ? this.#generatedHash(token) : ''
    let entry = idHash === '' ? undefined : await this.#get(idHash)
    if (!entry) {
      idHash = this.hash(token)
      entry = await this.#get(idHash)
    }
    if (!entry || !constantTimeEqual(entry.idHash, idHash)) return undefined
    if (this.#expired(entry)) {
      await this.revokeTree(entry.idHash)
      return undefined
    }
    return entry
  }

  /**
   * `lookup` answered synchronously when the token's live entry is in memory, for the read path: the same checks
   * in the same order (shape, tombstone, hash match, expiry). Undefined means "not known here": the caller then
   * asks `lookup`, which also refuses a dead or expired token and revokes an expired one.
   */
  lookupCached(token: string): TokenEntry | undefined {
    // A token seen before has its identity memoised (it passed the shape check then); any other goes to `lookup`.
    const idHash = this.#generatedHashes.get(token)
    if (idHash === undefined) return undefined
    if (this.#dead.has(idHash)) return undefined
    const entry = this.#cache.get(idHash)
    if (!entry || !constantTimeEqual(entry.idHash, idHash) || this.#expired(entry)) return undefined
    return entry
  }

  /** A batch token is live while unexpired and, unless an orphan, while its parent is. */
  async #lookupBatch(token: string): Promise<TokenEntry | undefined> {
    const entry = this.#codec().open(token)
    if (!entry || this.#expired(entry)) return undefined
    if (entry.parentHash !== '' && !(await this.lookupByHash(entry.parentHash))) return undefined
    return entry
  }

  async lookupByAccessor(accessor: string): Promise<TokenEntry | undefined> {
    if (!/^[A-Za-z0-9.]{1,128}$/.test(accessor)) return undefined
    const raw = await this.#storage.get(keys.accessor(accessor))
    if (!raw) return undefined
    const entry = await this.#get(new TextDecoder().decode(raw))
    if (!entry || this.#expired(entry)) return undefined
    return entry
  }

  async lookupByHash(idHash: string): Promise<TokenEntry | undefined> {
    // A batch token cannot be found by its identity: nothing about it is stored.
    if (isBatchIdentity(idHash)) return undefined
    const entry = await this.#get(idHash)
    return entry && !this.#expired(entry) ? entry : undefined
  }

  /**
   * Count one use of a limited-use token, one caller at a time. 'last': this request holds the final use; the
   * token is refused to everyone else from now on and the caller revokes it when the request ends. 'gone': it was
   * used up or revoked while this request waited, and must be refused.
   */
  async useOnce(entry: TokenEntry): Promise<'unlimited' | 'counted' | 'last' | 'gone'> {
    if (entry.numUses === 0) return this.unlimitedUse(entry)
    return this.#locks.run(entry.idHash, async () => {
      const current = await this.#get(entry.idHash)
      if (!current || this.#expired(current)) return 'gone'
      if (current.numUses <= 1) {
        // Stored before the use is granted, as Vault's tokenRevocationPending: another node reading the token now
        // finds it spent, and a standby (whose storage refuses writes) hands the request to the active node
        // instead of granting a last use the active node may already have granted.
        await putJson(this.#storage, keys.id(entry.idHash), { ...current, numUses: USES_SPENT })
        this.#bury(entry.idHash)
        return 'last'
      }
      await this.#write({ ...current, numUses: current.numUses - 1 })
      return 'counted'
    })
  }

  /** useOnce for a token without a use limit, answered synchronously: 'gone' once its revocation has begun. */
  unlimitedUse(entry: TokenEntry): 'unlimited' | 'gone' {
    return this.#dead.has(entry.idHash) ? 'gone' : 'unlimited'
  }

  /**
   * Redeem a single-use token (a wrapping token): the first caller whose `accept` approves the live entry gets it,
   * and the token is dead to everyone from that moment. The caller revokes it once it has what it came for.
   */
  async claim(token: string, accept: (entry: TokenEntry) => boolean): Promise<TokenEntry | undefined> {
    const found = await this.lookup(token)
    if (!found || found.type === 'batch' || !accept(found)) return undefined
    return this.#locks.run(found.idHash, async () => {
      const current = await this.#get(found.idHash)
      if (!current || this.#expired(current)) return undefined
      this.#bury(found.idHash)
      return current
    })
  }

  /**
   * Extend a token's life by `increment` seconds (or its period), never past its hard caps. Re-read under the
   * token's lock, so a renewal can never write back a token revoked meanwhile; undefined when it is gone.
   */
  /**
   * Extend a token's lease. `explicitMaxTtl` (seconds from the token's creation, 0 for none) is a further cap the
   * caller knows of now, such as its role's current token_explicit_max_ttl.
   */
  async renew(stale: TokenEntry, increment: number, explicitMaxTtl = 0): Promise<TokenEntry | undefined> {
    return this.renewWith(stale, (entry, now) => {
      let ttl = renewalTarget(entry, increment)
      if (entry.maxExpireTime > 0) ttl = Math.min(ttl, Math.floor((entry.maxExpireTime - now) / 1000))
      if (explicitMaxTtl > 0)
        ttl = Math.min(ttl, Math.floor((entry.creationTime * 1000 + explicitMaxTtl * 1000 - now) / 1000))
      return ttl
    })
  }

  /**
   * Renew the token to expire `ttlFor(entry, now)` seconds from now, computed under the token's lock once the
   * checks every renewal makes have passed (a login token's renewal computes it from its auth method's settings).
   * Undefined when the token is gone or expired.
   */
  async renewWith(
    stale: TokenEntry,
    ttlFor: (entry: TokenEntry, now: number) => number,
  ): Promise<TokenEntry | undefined> {
    return this.#locks.run(stale.idHash, async () => {
      const entry = await this.#get(stale.idHash)
      if (!entry || this.#expired(entry)) return undefined
      // Vault words this as for any lease: a token is renewed through its lease.
      if (!entry.renewable) throw new InvalidRequestError('lease is not renewable')
      // A token that never expires (root) has nothing to extend: Vault refuses its renewal rather than answer
      // a lease_duration of 0 that a client would read as "expired". Such a token has no lease in Vault, so
      // its words are those of a missing lease.
      if (entry.expireTime === 0) throw new InvalidRequestError('invalid lease ID')
      const now = this.#clock.now()
      const ttl = ttlFor(entry, now)
      if (ttl <= 0) throw new InvalidRequestError('token has reached its maximum TTL and cannot be renewed')
      const updated: TokenEntry = { ...entry, expireTime: now + ttl * 1000, lastRenewalTime: now }
      await this.#storage.batch([
        this.#due.deleteOp(entry.expireTime, entry.idHash),
        this.#due.putOp(updated.expireTime, entry.idHash, entry.idHash),
        { op: 'put', key: keys.id(entry.idHash), value: encode(updated) },
      ])
      this.#due.noteRemoved(entry.expireTime, entry.idHash)
      this.#due.noteAdded(updated.expireTime, entry.idHash, entry.idHash)
      this.#remember(updated)
      return updated
    })
  }

  /**
   * Revoke a token and, depth first, every token it created. The token is dead before the first await, so no
   * request that starts after this call begins is served with it; each child is marked dead as its turn comes,
   * and a child created meanwhile finds its parent gone (see create).
   */
  async revokeTree(idHash: string): Promise<void> {
    this.#bury(idHash)
    for (const child of await this.#storage.list(keys.parentPrefix(idHash))) {
      await this.revokeTree(child)
    }
    await this.#revokeOne(idHash)
  }

  /** Revoke only this token; its children become orphans. */
  async revokeOrphan(idHash: string): Promise<void> {
    this.#bury(idHash)
    for (const childHash of await this.#storage.list(keys.parentPrefix(idHash))) {
      await this.#locks.run(childHash, async () => {
        const child = await this.#get(childHash)
        if (child) await this.#write({ ...child, parentHash: '' })
      })
    }
    await this.#revokeOne(idHash)
  }

  /** Revoke every token whose expiry has passed; returns how many. Called by the core's sweeper. */
  async sweepExpired(): Promise<number> {
    let count = 0
    for (;;) {
      const due = await this.#due.takeDue(this.#clock.now(), 256)
      if (due.length === 0) return count
      for (const item of due) {
        // A spent token whose revocation never ran (the server stopped first) is not live, but is revoked here too.
        const entry = (await this.#get(item.value)) ?? (await this.#read(item.value))
        if (entry && entry.expireTime === item.dueMs) {
          await this.revokeTree(entry.idHash)
          count++
        } else {
          // Renewed or already revoked: the index entry is stale.
          await this.#storage.batch([this.#due.deleteOp(item.dueMs, item.id)])
        }
      }
    }
  }

  /** Moves an expiry index written by an older version (one flat folder) into the due index. */
  async #migrateLegacyExpiry(): Promise<void> {
    const legacy = await this.#storage.list(keys.legacyExpiry)
    for (let i = 0; i < legacy.length; i += 500) {
      const ops: StorageOp[] = []
      for (const name of legacy.slice(i, i + 500)) {
        const [expire, idHash] = name.split('-') as [string, string]
        ops.push({ op: 'delete', key: keys.legacyExpiry + name })
        if (/^[0-9a-f]{64}$/.test(idHash ?? '')) ops.push(this.#due.putOp(Number(expire), idHash, idHash))
      }
      await this.#storage.batch(ops)
    }
  }

  /**
   * Revoke every token an auth mount issued (when the mount is disabled, as Vault does). Walks all tokens:
   * disabling an auth method is rare, and a per-mount index would cost every login a write.
   */
  async revokeIssuedBy(mountAccessor: string): Promise<number> {
    let count = 0
    for (const idHash of await this.#storage.list('id/')) {
      const entry = await this.#get(idHash)
      if (entry?.login?.mountAccessor === mountAccessor) {
        await this.revokeTree(idHash)
        count++
      }
    }
    return count
  }

  /**
   * Revoke, with their children, the tokens whose lease (in Vault's terms, `<creation path>/<id>`) lies in `folder`
   * (ending in `/`): what sys/leases/revoke-prefix and revoke-force do to auth/ prefixes in Vault. A token without
   * a TTL has no lease there, so it stays. Walks all tokens, as revokeIssuedBy does.
   */
  async revokeCreatedUnder(folder: string): Promise<number> {
    let count = 0
    for (const idHash of await this.#storage.list('id/')) {
      const entry = await this.#get(idHash)
      if (entry && entry.expireTime > 0 && `${entry.path}/`.startsWith(folder)) {
        await this.revokeTree(idHash)
        count++
      }
    }
    return count
  }

  async accessors(): Promise<string[]> {
    return this.#storage.list('accessor/')
  }

  #expired(entry: TokenEntry): boolean {
    return entry.expireTime > 0 && entry.expireTime <= this.#clock.now()
  }

  /** The live stored entry, never one that is dead (revoked, used up, redeemed) or being made so. */
  async #get(idHash: string): Promise<TokenEntry | undefined> {
    if (this.#dead.has(idHash)) return undefined
    const cached = this.#cache.get(idHash)
    if (cached) return cached
    const generation = this.#cacheGeneration
    const entry = await this.#read(idHash)
    // A revocation may have begun while the read was in flight: its answer is stale then. A spent token (its last
    // use taken, here or on another node) is dead too, whether or not its revocation has run yet.
    if (!entry || this.#dead.has(idHash) || entry.numUses === USES_SPENT) return undefined
    // Served to this caller, which arrived before the change that made the cache forget; cached only if no
    // such change came while it was read, or a later request would be served the old entry from memory.
    if (generation === this.#cacheGeneration) this.#remember(entry)
    return entry
  }

  /** The stored entry whatever its state, bypassing the cache; reads are counted so tombstones outlive them. */
  async #read(idHash: string): Promise<TokenEntry | undefined> {
    if (!ID_HASH.test(idHash)) return undefined
    return this.#dead.read(() => getJson<TokenEntry>(this.#storage, keys.id(idHash)))
  }

  /** Store an updated entry; callers hold the token's lock and have just read it live. */
  async #write(entry: TokenEntry): Promise<void> {
    await putJson(this.#storage, keys.id(entry.idHash), entry)
    this.#remember(entry)
  }

  #bury(idHash: string): void {
    this.#dead.bury(idHash)
    this.#cache.delete(idHash)
  }

  /** One revocation per token at a time: a second caller waits for the first instead of returning early. */
  #revokeOne(idHash: string): Promise<void> {
    this.#bury(idHash)
    const running = this.#revoking.get(idHash)
    if (running) return running
    const revocation = this.#revokeOneNow(idHash).finally(() => this.#revoking.delete(idHash))
    this.#revoking.set(idHash, revocation)
    return revocation
  }

  async #revokeOneNow(idHash: string): Promise<void> {
    // Under the token's lock: a renewal or use count that began before is finished and its write is deleted here;
    // one that comes after finds the token dead or its row gone.
    const entry = await this.#locks.run(idHash, async () => {
      const stored = this.#cache.get(idHash) ?? (await this.#read(idHash))
      if (stored) {
        for (const listener of this.#beforeDeleteListeners) await listener(idHash)
        const ops: StorageOp[] = [
          { op: 'delete', key: keys.id(idHash) },
          { op: 'delete', key: keys.accessor(stored.accessor) },
        ]
        if (stored.parentHash !== '') ops.push({ op: 'delete', key: keys.parent(stored.parentHash, idHash) })
        if (stored.expireTime > 0) ops.push(this.#due.deleteOp(stored.expireTime, idHash))
        await this.#storage.batch(ops)
        if (stored.expireTime > 0) this.#due.noteRemoved(stored.expireTime, idHash)
      }
      this.#cache.delete(idHash)
      this.#dead.settled(idHash)
      return stored
    })
    if (!entry) return
    for (const listener of this.#revokeListeners) await listener(idHash, entry)
  }

  /** Tombstones still held; for tests. */
  get tombstones(): number {
    return this.#dead.size
  }

  /**
   * Run `listener` after each token is revoked (core destroys the token's cubbyhole this way), with the entry as
   * it was stored (the anomaly detector tells a revocation from an expiry by its expireTime).
   */
  onRevoke(listener: (idHash: string, entry: TokenEntry) => Promise<unknown>): void {
    this.#revokeListeners.push(listener)
  }

  /**
   * Run `listener` before a token's entry is deleted, under its lock, so what it stores is in place should the
   * server stop before the onRevoke listeners run (core marks the token's leases due this way).
   */
  beforeDelete(listener: (idHash: string) => Promise<unknown>): void {
    this.#beforeDeleteListeners.push(listener)
  }

  #remember(entry: TokenEntry): void {
    if (this.#dead.has(entry.idHash)) return
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value as string)
    this.#cache.set(entry.idHash, entry)
  }
}

function encode(entry: TokenEntry): Uint8Array {
  // Buffer.from takes Node's native UTF-8 path, cheaper than TextEncoder at these sizes.
  return Buffer.from(JSON.stringify(entry))
}
