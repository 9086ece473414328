// Leases: register, look up, renew, revoke (one, by prefix, by token), expire on time, retry failed revocations.

import { errorMessage } from '../../../lib/error-message.ts'
import { KeyLocks } from '../../../lib/key-locks.ts'
import type { Logger } from '../../../lib/logger.ts'
import type { Clock } from '../../../lib/time.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { BackendInstance } from '../../../sdk/framework/backend.ts'
import { getJson, type Storage, type StorageOp, storageView } from '../../../sdk/storage.ts'
import { ttlCappedWarning } from '../ttl-caps.ts'
import { DueIndex } from './due-index.ts'
import {
  isLeaseId,
  type LeaseEntry,
  leaseKeyId,
  lookupData,
  newLease,
  type RegisterInput,
} from './lease-entry.ts'

export type { RegisterInput } from './lease-entry.ts'

/*
 * Storage under the manager's view (core-owned, behind the barrier):
 *   id/<lease id>                  the lease (ids keep their slashes, so LIST and revoke-prefix walk folders)
 *   due/<hour>/<second>/<ms>_<h>   the due index (due-index.ts): expiry or next revocation attempt
 *   token/<token hash>/<h>         leases a token created, revoked with it
 * where <h> is leaseKeyId(lease id). All three change together in one atomic batch.
 */

export interface ExpirationOptions {
  storage: Storage
  clock: Clock
  logger: Logger
  /** The backend of a lease's mount (by UUID when the lease has one, else by path), or undefined when it is gone. */
  backendAt: (mountPath: string, mountUuid?: string) => BackendInstance | undefined
  /** Tests shorten the loop and the retry backoff. */
  tuning?: Partial<ExpirationTuning>
  /** Called once a lease's revocation is done and stored (core publishes the lease/revoke event). */
  onRevoked?: (lease: LeaseEntry) => void
}

const DEFAULTS = {
  /** How often due leases are looked for, in ms. */
  tickMs: 200,
  /** Revocation attempts before a lease is marked irrevocable. */
  maxRevokeAttempts: 12,
  /** First retry delay; doubles per attempt up to maxBackoffMs. */
  baseBackoffMs: 1_000,
  maxBackoffMs: 60_000,
  /** Revocations run at once by the expiry loop. */
  concurrency: 256,
}

export type ExpirationTuning = typeof DEFAULTS

export interface IssuedLease {
  leaseId: string
  ttl: number
  renewable: boolean
}

export class ExpirationManager {
  readonly #storage: Storage
  readonly #leases: Storage
  readonly #due: DueIndex
  readonly #opts: ExpirationTuning
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #backendAt: (mountPath: string, mountUuid?: string) => BackendInstance | undefined
  readonly #onRevoked: ((lease: LeaseEntry) => void) | undefined
  /** Revocations in flight by lease id, so two callers (expiry and an operator) share one attempt. */
  readonly #inFlight = new Map<string, Promise<boolean>>()
  /**
   * Every read-modify-write of one lease (renew, revoke, expiry, a failure record) runs under its id's lock and
   * reads the lease again inside it, so a renew that read the lease before a revocation cannot write it back
   * after the delete.
   */
  readonly #locks = new KeyLocks()
  #timer: NodeJS.Timeout | undefined
  #ticking = false
  #stopped = false
  #expiredTotal = 0
  /** The tidy started by `tidyInBackground` and not yet finished: one at a time, as in Vault. */
  #tidying: Promise<void> | undefined

  constructor(opts: ExpirationOptions) {
    this.#storage = opts.storage
    this.#leases = storageView(opts.storage, 'id/')
    this.#due = new DueIndex(opts.storage, 'due/')
    this.#clock = opts.clock
    this.#logger = opts.logger
    this.#backendAt = opts.backendAt
    this.#onRevoked = opts.onRevoked
    this.#opts = { ...DEFAULTS, ...opts.tuning }
  }

  /** Opens the due index (hour folders only) and starts the expiry loop. */
  async start(): Promise<void> {
    await this.#due.open()
    this.#stopped = false
    this.#timer = setInterval(() => void this.tick(), this.#opts.tickMs)
    this.#timer.unref()
  }

  /** Stops the loop and waits for revocations in flight. */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
    await Promise.allSettled([...this.#inFlight.values()])
  }

  /**
   * Leases in the due index's loaded window: every lease while there are fewer than its cap (50,000), the
   * soonest-due that many beyond it. Published as vault_expire_num_leases.
   */
  get loadedLeaseCount(): number {
    return this.#due.loadedCount
  }

  /** Leases expired by the loop since start; for status and benchmarks. */
  get expiredTotal(): number {
    return this.#expiredTotal
  }

  async register(input: RegisterInput): Promise<IssuedLease> {
    const lease = newLease(input, this.#clock.now())
    const { leaseId } = lease
    const ops: StorageOp[] = [
      this.#putLeaseOp(lease),
      this.#due.putOp(lease.dueAt, leaseKeyId(leaseId), leaseId),
    ]
    if (lease.tokenHash !== '') ops.push(this.#tokenIndexOp('put', lease))
    await this.#storage.batch(ops)
    this.#due.noteAdded(lease.dueAt, leaseKeyId(leaseId), leaseId)
    return { leaseId, ttl: lease.ttl, renewable: lease.renewable }
  }

  async get(leaseId: string): Promise<LeaseEntry | undefined> {
    if (!isLeaseId(leaseId)) return undefined
    return getJson<LeaseEntry>(this.#leases, leaseId)
  }

  async lookup(leaseId: string): Promise<Record<string, unknown>> {
    const lease = await this.get(leaseId)
    if (!lease) throw new InvalidRequestError('invalid lease')
    return lookupData(lease, this.#clock.now())
  }

  /** One level of lease ids (or folders) under `prefix`, as LIST sys/leases/lookup/<prefix> shows them. */
  async list(prefix: string): Promise<string[]> {
    const clean = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`
    if (clean.includes('..')) throw new InvalidRequestError('invalid prefix')
    return this.#leases.list(clean)
  }

  /** Every lease id under `folder` ('' or ending in '/'), at any depth. */
  async #idsUnder(folder: string): Promise<string[]> {
    const ids: string[] = []
    const walk = async (at: string): Promise<void> => {
      for (const name of await this.#leases.list(at)) {
        if (name.endsWith('/')) await walk(at + name)
        else ids.push(at + name)
      }
    }
    await walk(folder)
    return ids
  }

  /**
   * The leases whose revocation gave up (Vault's irrevocable leases), soonest expiry first and then by id, as
   * sys/leases?type=irrevocable lists them. Walks every stored lease: an operator's question, not a hot path.
   */
  async irrevocableLeases(): Promise<LeaseEntry[]> {
    const found: LeaseEntry[] = []
    for (const id of await this.#idsUnder('')) {
      const lease = await this.get(id)
      if (lease?.irrevocable) found.push(lease)
    }
    return found.sort(
      (a, b) => a.expireTime - b.expireTime || (a.leaseId < b.leaseId ? -1 : a.leaseId > b.leaseId ? 1 : 0),
    )
  }

  /** Extend a lease from now by `increment` seconds (0: its first TTL), never past its maximum. */
  renew(
    leaseId: string,
    increment: number,
  ): Promise<{ leaseId: string; ttl: number; renewable: boolean; warnings: string[] }> {
    return this.#locks.run(leaseId, () => this.#renewLocked(leaseId, increment))
  }

  async #renewLocked(
    leaseId: string,
    increment: number,
  ): Promise<{ leaseId: string; ttl: number; renewable: boolean; warnings: string[] }> {
    const lease = await this.get(leaseId)
    const now = this.#clock.now()
    // Vault's leaseEntry.renewable() messages, in its order of checks.
    if (!lease) throw new InvalidRequestError('lease not found')
    if (lease.irrevocable)
      throw new InvalidRequestError('lease is expired and has failed previous revocation attempts')
    if (lease.expireTime <= now) throw new InvalidRequestError('lease expired')
    if (lease.revokeAttempts > 0)
      throw new InvalidRequestError('lease is being revoked and cannot be renewed')
    const backend = this.#backendAt(lease.mountPath, lease.mountUuid)
    const secret = backend?.secret(lease.secretType)
    if (!lease.renewable || !backend || !secret?.renew)
      throw new InvalidRequestError('lease is not renewable')
    const requested = increment > 0 ? increment : lease.ttl
    const answer = await secret.renew(
      { storage: backend.storage, system: backend.system, state: backend.state },
      lease.internal,
      { ttl: Math.max(0, Math.ceil((lease.expireTime - now) / 1000)), increment: requested },
    )
    let ttl = answer?.ttl ?? requested
    let capped = false
    if (lease.maxExpireTime > 0) {
      const cap = Math.floor((lease.maxExpireTime - now) / 1000)
      if (cap <= 0) throw new InvalidRequestError('past the max TTL, cannot renew')
      if (ttl > cap) {
        ttl = cap
        capped = true
      }
    }
    // A backend granting less than an explicit increment has met its own max TTL (a role's max_ttl), which in
    // Vault is the same CalculateTTL cap: one warning either way, for what was asked against what was granted.
    const warnings: string[] = []
    if ((capped || increment > 0) && ttl < requested) warnings.push(ttlCappedWarning(requested, ttl))
    // A renewal that leaves nothing (a backend answering ttl 0) would "succeed" into an already-expired lease.
    if (!(ttl > 0)) throw new InvalidRequestError('past the max TTL, cannot renew')
    const renewed: LeaseEntry = {
      ...lease,
      internal: answer?.internal ?? lease.internal,
      expireTime: now + ttl * 1000,
      lastRenewalTime: now,
      dueAt: now + ttl * 1000,
    }
    await this.#reindex(lease, renewed)
    return { leaseId, ttl, renewable: true, warnings }
  }

  /**
   * Revoke now; true when this call (or the attempt it joined) removed the lease, false when there was none.
   * Unless forced, a backend failure is reported and the revocation retried in the background.
   */
  async revoke(leaseId: string, options: { force?: boolean } = {}): Promise<boolean> {
    if (!isLeaseId(leaseId)) return false
    // Queued on the lease's lock before the first await, so a renew that starts after this call waits for it.
    return this.#revokeShared(leaseId, options.force ?? false)
  }

  /** Revoke every lease under `prefix`; returns how many were revoked. Stops at the first failure unless forced. */
  async revokePrefix(prefix: string, options: { force?: boolean } = {}): Promise<number> {
    const clean = prefix.replace(/^\/+/, '')
    if (clean.includes('..')) throw new InvalidRequestError('invalid prefix')
    // A prefix may name one lease exactly (Vault revokes just that lease), or a folder with or without its slash.
    if (clean !== '' && !clean.endsWith('/') && (await this.get(clean))) {
      try {
        return (await this.revoke(clean, options)) ? 1 : 0
      } catch (error) {
        throw new InvalidRequestError(`failed to revoke "${clean}": ${errorMessage(error)}`)
      }
    }
    const ids = await this.#idsUnder(clean === '' || clean.endsWith('/') ? clean : `${clean}/`)
    let count = 0
    for (const [index, leaseId] of ids.entries()) {
      try {
        if (await this.revoke(leaseId, options)) count++
      } catch (error) {
        // As Vault words it: which lease stopped the walk, and how far it had got.
        throw new InvalidRequestError(
          `failed to revoke "${leaseId}" (${index + 1} / ${ids.length}): ${errorMessage(error)}`,
        )
      }
    }
    return count
  }

  /**
   * Make every lease a token created due now, stored, before the token itself is deleted: should the server stop
   * between the token's deletion and the revocation of its leases, the expiry loop still revokes them after the
   * restart instead of leaving them to their TTL.
   */
  async expediteByToken(tokenHash: string): Promise<void> {
    await this.#eachLeaseOfToken(tokenHash, (leaseId) => this.expedite(leaseId))
  }

  /** Runs `visit` on the id of every lease indexed under the token, all at once. */
  async #eachLeaseOfToken(tokenHash: string, visit: (leaseId: string) => Promise<void>): Promise<void> {
    const folder = `token/${tokenHash}/`
    const names = await this.#storage.list(folder)
    await Promise.all(
      names.map(async (name) => {
        const raw = await this.#storage.get(folder + name)
        if (raw) await visit(Buffer.from(raw).toString('utf8'))
      }),
    )
  }

  /**
   * Store a lease as expired and due now, so the expiry loop revokes it even if the revocation about to be started
   * is lost to a stop (Vault's lazy revocation). No renewal moves it out again.
   */
  async expedite(leaseId: string): Promise<void> {
    if (!isLeaseId(leaseId)) return
    await this.#locks.run(leaseId, async () => {
      const lease = await this.get(leaseId)
      const now = this.#clock.now()
      if (!lease || lease.irrevocable || lease.dueAt <= now) return
      await this.#reindex(lease, { ...lease, dueAt: now, expireTime: Math.min(lease.expireTime, now) })
    })
  }

  /** Revoke every lease a token created; failures are left to the retry loop, so token revocation proceeds. */
  async revokeByToken(tokenHash: string): Promise<void> {
    await this.#eachLeaseOfToken(tokenHash, async (leaseId) => {
      try {
        await this.revoke(leaseId)
      } catch (error) {
        this.#logger.log('warn', 'lease revocation with its token failed; will retry', {
          lease_id: leaseId,
          error: errorMessage(error),
        })
      }
    })
  }

  /**
   * Removes index entries whose lease is gone and revokes leases whose token no longer exists.
   * `tokenExists` answers for a token hash.
   */
  async tidy(
    tokenExists: (tokenHash: string) => Promise<boolean>,
  ): Promise<{ revoked: number; cleaned: number }> {
    let revoked = 0
    let cleaned = 0
    for (const folder of await this.#storage.list('token/')) {
      const tokenHash = folder.slice(0, -1)
      const alive = await tokenExists(tokenHash)
      for (const name of await this.#storage.list(`token/${folder}`)) {
        const key = `token/${folder}${name}`
        const raw = await this.#storage.get(key)
        const leaseId = raw ? Buffer.from(raw).toString('utf8') : ''
        const lease = leaseId ? await this.get(leaseId) : undefined
        if (!lease) {
          await this.#storage.delete(key)
          cleaned++
        } else if (!alive) {
          try {
            if (await this.revoke(leaseId)) revoked++
          } catch (error) {
            this.#logger.log('warn', 'tidy: revocation failed; will retry', {
              lease_id: leaseId,
              error: errorMessage(error),
            })
          }
        }
      }
    }
    return { revoked, cleaned }
  }

  /**
   * Starts `tidy` without waiting for it, as Vault's sys/leases/tidy does (its outcome goes to the log); while one
   * runs another is not started. Answers the running tidy, for tests to await.
   */
  tidyInBackground(tokenExists: (tokenHash: string) => Promise<boolean>): Promise<void> {
    if (this.#tidying) {
      this.#logger.log('info', 'tidy: a lease tidy is already in progress')
      return this.#tidying
    }
    const running = this.tidy(tokenExists).then(
      (result) => this.#logger.log('info', 'tidy: lease tidy finished', { ...result }),
      (error) => this.#logger.log('error', 'tidy: lease tidy failed', { error: errorMessage(error) }),
    )
    this.#tidying = running.finally(() => {
      this.#tidying = undefined
    })
    return this.#tidying
  }

  /** One pass of the expiry loop: revoke what is due, a bounded number at a time. Never overlaps itself. */
  async tick(): Promise<number> {
    if (this.#ticking || this.#stopped) return 0
    this.#ticking = true
    let handled = 0
    try {
      for (;;) {
        const due = await this.#due.takeDue(this.#clock.now(), this.#opts.concurrency * 4)
        if (due.length === 0) break
        let next = 0
        const worker = async () => {
          while (next < due.length && !this.#stopped) {
            const item = due[next++]!
            await this.#expire(item.value, item.dueMs)
            handled++
          }
        }
        await Promise.all(Array.from({ length: Math.min(this.#opts.concurrency, due.length) }, worker))
        if (this.#stopped) break
      }
    } catch (error) {
      this.#logger.log('error', 'lease expiry pass failed; will retry', { error: errorMessage(error) })
    } finally {
      this.#ticking = false
    }
    return handled
  }

  async #expire(leaseId: string, dueMs: number): Promise<void> {
    try {
      if (await this.#revokeShared(leaseId, false, dueMs)) this.#expiredTotal++
    } catch {
      // Logged and rescheduled by #revokeOnce; the loop moves on.
    }
  }

  /**
   * One revocation attempt per lease at a time, under the lease's lock. `dueMs` marks the expiry loop's call:
   * it revokes only a lease still due at that time (a renewal since then moved it) and drops stale index entries.
   */
  #revokeShared(leaseId: string, force: boolean, dueMs?: number): Promise<boolean> {
    const running = this.#inFlight.get(leaseId)
    // A caller joining an attempt shares its failure; once it succeeded, the caller looks again on its own. The
    // attempt may have been the expiry pass's, which leaves a lease renewed meanwhile: a revoke that took its
    // "done" would answer while the lease lived on. Looked at again, a revoked lease is gone and counted once.
    if (running && !force) return running.then(() => this.#revokeShared(leaseId, force, dueMs))
    const attempt = this.#locks
      .run(leaseId, async () => {
        const lease = await this.get(leaseId)
        if (dueMs !== undefined && (!lease || lease.dueAt !== dueMs)) {
          await this.#storage.batch([this.#due.deleteOp(dueMs, leaseKeyId(leaseId))]).catch(() => undefined)
          return false
        }
        if (!lease || (dueMs !== undefined && lease.irrevocable)) return false
        await this.#revokeOnce(lease, force)
        return true
      })
      .finally(() => {
        if (this.#inFlight.get(leaseId) === attempt) this.#inFlight.delete(leaseId)
      })
    this.#inFlight.set(leaseId, attempt)
    return attempt
  }

  /** Called under the lease's lock with the lease as stored. */
  async #revokeOnce(lease: LeaseEntry, force: boolean): Promise<void> {
    const backend = this.#backendAt(lease.mountPath, lease.mountUuid)
    const secret = backend?.secret(lease.secretType)
    try {
      if (!backend || !secret) throw new Error(`no backend at "${lease.mountPath}" to revoke this lease`)
      await secret.revoke(
        { storage: backend.storage, system: backend.system, state: backend.state },
        lease.internal,
      )
    } catch (error) {
      if (force) {
        this.#logger.log('warn', 'lease removed by revoke-force although its revocation failed', {
          lease_id: lease.leaseId,
          error: errorMessage(error),
        })
      } else {
        await this.#recordFailure(lease, error)
        // Vault's words (revokeEntry): the backend answered no response, only the error.
        throw new InvalidRequestError(
          `failed to revoke entry: resp: (*logical.Response)(nil) err: ${errorMessage(error)}`,
        )
      }
    }
    await this.#delete(lease)
    this.#onRevoked?.(lease)
  }

  async #recordFailure(lease: LeaseEntry, error: unknown): Promise<void> {
    const current = (await this.get(lease.leaseId)) ?? lease
    const attempts = current.revokeAttempts + 1
    const now = this.#clock.now()
    const irrevocable = attempts >= this.#opts.maxRevokeAttempts
    const backoff = Math.min(this.#opts.baseBackoffMs * 2 ** (attempts - 1), this.#opts.maxBackoffMs)
    const updated: LeaseEntry = {
      ...current,
      revokeAttempts: attempts,
      lastRevokeError: errorMessage(error),
      irrevocable,
      dueAt: irrevocable ? 0 : now + backoff,
    }
    this.#logger.log(
      irrevocable ? 'error' : 'warn',
      irrevocable ? 'lease marked irrevocable' : 'lease revocation failed; will retry',
      {
        lease_id: lease.leaseId,
        attempts,
        error: updated.lastRevokeError,
      },
    )
    await this.#reindex(current, updated)
  }

  /** Store `next` in place of `prev`, moving its due-index entry. */
  async #reindex(prev: LeaseEntry, next: LeaseEntry): Promise<void> {
    const id = leaseKeyId(next.leaseId)
    const ops: StorageOp[] = [this.#putLeaseOp(next)]
    if (prev.dueAt > 0 && prev.dueAt !== next.dueAt) ops.push(this.#due.deleteOp(prev.dueAt, id))
    if (next.dueAt > 0 && prev.dueAt !== next.dueAt) ops.push(this.#due.putOp(next.dueAt, id, next.leaseId))
    await this.#storage.batch(ops)
    if (prev.dueAt !== next.dueAt) {
      if (prev.dueAt > 0) this.#due.noteRemoved(prev.dueAt, id)
      if (next.dueAt > 0) this.#due.noteAdded(next.dueAt, id, next.leaseId)
    }
  }

  async #delete(lease: LeaseEntry): Promise<void> {
    const current = (await this.get(lease.leaseId)) ?? lease
    const id = leaseKeyId(lease.leaseId)
    const ops: StorageOp[] = [{ op: 'delete', key: `id/${lease.leaseId}` }]
    if (current.dueAt > 0) ops.push(this.#due.deleteOp(current.dueAt, id))
    if (lease.dueAt > 0 && lease.dueAt !== current.dueAt) ops.push(this.#due.deleteOp(lease.dueAt, id))
    if (current.tokenHash !== '') ops.push(this.#tokenIndexOp('delete', current))
    await this.#storage.batch(ops)
    if (current.dueAt > 0) this.#due.noteRemoved(current.dueAt, id)
  }

  #putLeaseOp(lease: LeaseEntry): StorageOp {
    return { op: 'put', key: `id/${lease.leaseId}`, value: Buffer.from(JSON.stringify(lease)) }
  }

  #tokenIndexOp(op: 'put' | 'delete', lease: LeaseEntry): StorageOp {
    const key = `token/${lease.tokenHash}/${leaseKeyId(lease.leaseId)}`
    return op === 'put' ? { op, key, value: Buffer.from(lease.leaseId) } : { op, key }
  }
}
