// The encryption barrier: every value passes AES-256-GCM under the keyring's active term before reaching physical storage.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { decryptValue, encryptValue, KEY_BYTES, readTerm } from '../../lib/sealed-value.ts'
import { type Clock, systemClock } from '../../lib/time.ts'
import { Timing } from '../../lib/timing.ts'
import { InvalidRequestError, SealedError } from '../../sdk/errors.ts'
import type { Storage, StorageOp } from '../../sdk/storage.ts'
import { canSeal, type SealingStorage } from '../physical/sealing.ts'
import {
  activeTerm,
  addTerm,
  createKeyring,
  decodeKeyring,
  encodeKeyring,
  type Keyring,
  wipeKeyring,
} from './keyring.ts'
import { ABSENT, ReadCache } from './read-cache.ts'

/** The root key, encrypted under the unseal key. */
export const ROOT_KEY_PATH = 'core/root-key'
/** The keyring, encrypted under the root key. */
export const KEYRING_PATH = 'core/keyring'
/** Kept in clear by the seal so it can be read while sealed; nothing may overwrite it through the barrier. */
export const SEAL_CONFIG_PATH = 'core/seal-config'
/**
 * The unseal key, encrypted under the keyring (Vault's core/shamir-kek): an HA standby holds the keyring, so it can
 * follow a rekey made on another node instead of finding its held unseal key useless when it becomes active.
 */
export const UNSEAL_KEY_PATH = 'core/unseal-kek'
const RESERVED = new Set([ROOT_KEY_PATH, KEYRING_PATH, SEAL_CONFIG_PATH, UNSEAL_KEY_PATH])
// Both are protected by their own keys rather than by a keyring term; 0 marks that.
const SELF_TERM = 0

export interface KeyStatus {
  term: number
  /** Milliseconds since the epoch. */
  installTime: number
  /** Values encrypted under the active term since the last unseal or rotation. */
  encryptions: number
}

export interface BarrierOptions {
  clock?: Clock
  /** Let a sealing physical backend encrypt batches on its writer thread (default true). */
  sealOnWriter?: boolean
}

interface Unsealed {
  rootKey: Uint8Array
  keyring: Keyring
  /** Kept while unsealed (as Vault's Shamir seal keeps its KEK) so the root key can be rotated and re-wrapped. */
  unsealKey: Uint8Array
}

const encoder = new TextEncoder()

function assertNotReserved(key: string): void {
  // Every reserved key starts with "core/": checking that first spares hashing each new key for the Set.
  if (key.startsWith('core/') && RESERVED.has(key))
    throw new Error(`barrier: ${key} is reserved for the barrier itself`)
}

export class Barrier implements Storage {
  /**
   * Reads that reach storage (cache misses) and batched writes, timed for vault_barrier_get and _put. A cache hit
   * is not timed: it is a Map lookup, and timing it would cost more than it does.
   */
  readonly timings = { get: new Timing(), put: new Timing() }
  readonly #physical: Storage
  /** Set when the physical backend seals values on its own writer thread (SQLite). */
  readonly #sealer: SealingStorage | undefined
  readonly #clock: Clock
  #keys: Unsealed | undefined
  readonly #cache = new ReadCache()
  #encryptions = 0
  // Bumped by seal(), so an unseal or rotation that was mid-await cannot reinstate keys afterwards.
  #epoch = 0
  // Keyring and root-key changes run one at a time: two rotations racing would both claim the same new term.
  #exclusive: Promise<unknown> = Promise.resolve()

  constructor(physical: Storage, options: BarrierOptions = {}) {
    this.#physical = physical
    this.#sealer = canSeal(physical) && options.sealOnWriter !== false ? physical : undefined
    this.#clock = options.clock ?? systemClock
  }

  /** Hand the active term's key to a sealing backend (after unseal and rotation), or take it back (seal). */
  #publishSealKey(): void {
    if (this.#sealer === undefined) return
    if (this.#keys === undefined) {
      this.#sealer.setSealKey(undefined)
      return
    }
    const active = activeTerm(this.#keys.keyring)
    this.#sealer.setSealKey({ term: active.term, key: active.key })
  }

  get sealed(): boolean {
    return this.#keys === undefined
  }

  async isInitialized(): Promise<boolean> {
    return (await this.#physical.get(ROOT_KEY_PATH)) !== undefined
  }

  /** Create the root key and the first keyring term; the barrier stays sealed. */
  /**
   * Write a new root key and keyring. `extra` physical (unsealed) entries go in the same batch: the seal
   * configuration, so a crash can never leave a keyring without the configuration that says how to unseal it.
   */
  initialize(unsealKey: Uint8Array, extra: StorageOp[] = []): Promise<void> {
    if (!(unsealKey instanceof Uint8Array) || unsealKey.byteLength !== KEY_BYTES) {
      return Promise.reject(new InvalidRequestError(`unseal key must be ${KEY_BYTES} bytes`))
    }
    return this.#serially(async () => {
      if (await this.isInitialized()) throw new InvalidRequestError('Vault is already initialized')
      const rootKey = randomBytes(KEY_BYTES)
      const keyring = createKeyring(randomBytes(KEY_BYTES), this.#clock.now())
      try {
        await this.#physical.batch([
          { op: 'put', key: ROOT_KEY_PATH, value: sealRootKey(unsealKey, rootKey) },
          { op: 'put', key: KEYRING_PATH, value: sealKeyring(rootKey, keyring) },
          ...extra,
        ])
      } finally {
        rootKey.fill(0)
        wipeKeyring(keyring)
      }
    })
  }

  /** Recover the root key with `unsealKey` and load the keyring. A wrong key is a 400, as in Vault. */
  async unseal(unsealKey: Uint8Array): Promise<void> {
    const epoch = this.#epoch
    const rootKey = await this.#openRootKey(unsealKey)
    const sealedKeyring = await this.#physical.get(KEYRING_PATH)
    if (sealedKeyring === undefined) throw new Error('barrier: the keyring is missing from storage')
    let keyring: Keyring
    try {
      keyring = decodeKeyring(decryptAt(rootKey, sealedKeyring, KEYRING_PATH))
    } catch (error) {
      rootKey.fill(0)
      throw error
    }
    if (epoch !== this.#epoch || this.#keys !== undefined) {
      // Sealed meanwhile, or another unseal won: the key was still checked, nothing more to do.
      rootKey.fill(0)
      wipeKeyring(keyring)
      return
    }
    this.#keys = { rootKey, keyring, unsealKey: new Uint8Array(unsealKey) }
    this.#encryptions = 0
    this.#publishSealKey()
  }

  /**
   * Read the root key and keyring again from storage with the unseal key held in memory, and empty the read cache:
   * another node may have rotated the keyring, rekeyed or written anything while this one was not the writer (a
   * standby becoming active). When the held key no longer opens the root key (rekeyed elsewhere), the barrier is
   * left sealed and the error is thrown.
   */
  async reload(): Promise<void> {
    let unsealKey: Uint8Array = new Uint8Array(this.#unsealed().unsealKey)
    try {
      const followed = await this.#rekeyedElsewhere(unsealKey)
      if (followed !== undefined) {
        unsealKey.fill(0)
        unsealKey = followed
      }
      this.seal()
      await this.unseal(unsealKey)
    } finally {
      unsealKey.fill(0)
    }
  }

  /**
   * Resolves once the key changes already started (rotate, rekey, root key rotation) have finished. Sealing waits
   * for them, as Vault's seal waits for its state lock: one caught halfway had its new keyring stored yet was
   * answered 503, a change the caller was told had failed.
   */
  async settled(): Promise<void> {
    await this.#exclusive
  }

  /** Forget every key; storage calls fail with SealedError until the next unseal. */
  seal(): void {
    this.#epoch++
    this.#cache.clear()
    const keys = this.#keys
    this.#keys = undefined
    if (keys === undefined) return
    this.#publishSealKey()
    keys.rootKey.fill(0)
    keys.unsealKey.fill(0)
    wipeKeyring(keys.keyring)
  }

  /**
   * A copy of the unseal key held while unsealed, for unsealing again after a snapshot restore replaced the
   * storage under the barrier. The caller wipes it (fill(0)) once done.
   */
  unsealKeyCopy(): Uint8Array {
    return new Uint8Array(this.#unsealed().unsealKey)
  }

  /**
   * Whether the held unseal key can use a snapshot's raw entries: 'keys' when it does not open the snapshot's root
   * key and that root key its keyring (the server's key shares would not unseal it); 'entries' when some other value
   * does not decrypt under that keyring at its own path (the file was altered after it was written, and restoring it
   * would leave storage nobody can read); undefined when every value opens. Nothing is kept.
   */
  checkSnapshot(entries: readonly { key: string; value: Uint8Array }[]): 'keys' | 'entries' | undefined {
    const { unsealKey } = this.#unsealed()
    const raw = (path: string) => entries.find((entry) => entry.key === path)?.value
    const rootKeyBlob = raw(ROOT_KEY_PATH)
    const keyringBlob = raw(KEYRING_PATH)
    if (rootKeyBlob === undefined || keyringBlob === undefined) return 'keys'
    let rootKey: Uint8Array | undefined
    let keyring: Keyring | undefined
    try {
      rootKey = decryptValue(unsealKey, rootKeyBlob, encoder.encode(ROOT_KEY_PATH))
      keyring = decodeKeyring(decryptAt(rootKey, keyringBlob, KEYRING_PATH))
    } catch {
      return 'keys'
    } finally {
      rootKey?.fill(0)
    }
    try {
      for (const { key, value } of entries) {
        if (RESERVED.has(key)) continue
        const term = keyring.terms.get(readTerm(value))
        if (term === undefined) return 'entries'
        decryptAt(term.key, value, key).fill(0)
      }
      return undefined
    } catch {
      return 'entries'
    } finally {
      wipeKeyring(keyring)
    }
  }

  keyStatus(): KeyStatus {
    const { keyring } = this.#unsealed()
    const active = activeTerm(keyring)
    return { term: active.term, installTime: active.installTime, encryptions: this.#encryptions }
  }

  /** Install a new term for new writes; values under older terms stay readable. */
  rotate(): Promise<KeyStatus> {
    return this.#serially(async () => {
      const epoch = this.#epoch
      const { rootKey, keyring } = this.#unsealed()
      const next = addTerm(keyring, randomBytes(KEY_BYTES), this.#clock.now())
      // Persist before use: a value must never be written under a term the stored keyring lacks.
      await this.#physical.put(KEYRING_PATH, sealKeyring(rootKey, next))
      if (epoch !== this.#epoch || this.#keys === undefined) {
        wipeKeyring(next)
        throw new SealedError()
      }
      this.#keys = { ...this.#keys, keyring: next }
      this.#encryptions = 0
      this.#publishSealKey()
      return this.keyStatus()
    })
  }

  /** Re-encrypt the root key under `newKey`; `oldKey` must open the current one. */
  rekeyUnsealKey(oldKey: Uint8Array, newKey: Uint8Array): Promise<void> {
    if (!(newKey instanceof Uint8Array) || newKey.byteLength !== KEY_BYTES) {
      return Promise.reject(new InvalidRequestError(`unseal key must be ${KEY_BYTES} bytes`))
    }
    return this.#serially(async () => {
      const rootKey = await this.#openRootKey(oldKey)
      try {
        await this.#physical.put(ROOT_KEY_PATH, sealRootKey(newKey, rootKey))
      } finally {
        rootKey.fill(0)
      }
    })
  }

  /**
   * Check that `candidate` is the unseal key protecting the current root key (Vault's VerifyRoot after combining
   * shares for generate-root or rekey). A wrong key is a 400 and changes nothing.
   */
  async verifyUnsealKey(candidate: Uint8Array): Promise<void> {
    const { rootKey } = this.#unsealed()
    const opened = await this.#openRootKey(candidate).catch(() => undefined)
    try {
      if (
        opened === undefined ||
        opened.byteLength !== rootKey.byteLength ||
        !timingSafeEqual(opened, rootKey)
      )
        throw new InvalidRequestError('the key shares do not rebuild the unseal key')
    } finally {
      opened?.fill(0)
    }
  }

  /**
   * Install a fresh root key: the keyring is re-encrypted under it and it is wrapped by `newUnsealKey` (a rekey) or
   * by the current unseal key (sys/rotate/root). `alongside` physical writes (the new seal configuration) go in the
   * same batch, so a crash leaves either the old key, shares and configuration or the new ones, never a mix.
   */
  rotateRootKey(newUnsealKey?: Uint8Array, alongside: StorageOp[] = []): Promise<void> {
    if (newUnsealKey !== undefined && newUnsealKey.byteLength !== KEY_BYTES) {
      return Promise.reject(new InvalidRequestError(`unseal key must be ${KEY_BYTES} bytes`))
    }
    return this.#serially(async () => {
      const epoch = this.#epoch
      const current = this.#unsealed()
      const unsealKey = new Uint8Array(newUnsealKey ?? current.unsealKey)
      const rootKey = randomBytes(KEY_BYTES)
      const active = activeTerm(current.keyring)
      await this.#physical.batch([
        ...alongside,
        { op: 'put', key: ROOT_KEY_PATH, value: sealRootKey(unsealKey, rootKey) },
        { op: 'put', key: KEYRING_PATH, value: sealKeyring(rootKey, current.keyring) },
        {
          op: 'put',
          key: UNSEAL_KEY_PATH,
          value: encryptValue(active.key, active.term, unsealKey, encoder.encode(UNSEAL_KEY_PATH)),
        },
      ])
      if (epoch !== this.#epoch || this.#keys === undefined) {
        rootKey.fill(0)
        unsealKey.fill(0)
        throw new SealedError()
      }
      this.#keys.rootKey.fill(0)
      this.#keys.unsealKey.fill(0)
      this.#keys = { ...this.#keys, rootKey, unsealKey }
    })
  }

  /**
   * Forget cached values of `keys` (an HA standby, told by the change log that another node wrote them); `'all'`
   * empties the cache. A read already under way that started before may still fill an old value: the change
   * log is consulted before a request reads, so callers invalidate before they serve.
   */
  invalidate(keys: readonly string[] | 'all'): void {
    if (keys === 'all') this.#cache.dropAll()
    else this.#cache.invalidate(keys)
  }

  /**
   * The plaintext at `key` read from storage now, neither answered from nor kept in the read cache: for an HA
   * standby, whose cache another node's writes do not reach (the active node's writes go around it).
   */
  async getFresh(key: string): Promise<Uint8Array | undefined> {
    this.#unsealed()
    assertNotReserved(key)
    const blob = await this.#physical.get(key)
    return blob === undefined ? undefined : this.#decrypt(key, blob)
  }

  /** The plaintext at `key`. The array may be shared with the read cache: callers must not modify it. */
  async get(key: string): Promise<Uint8Array | undefined> {
    this.#unsealed()
    assertNotReserved(key)
    const cached = this.#cache.get(key)
    if (cached !== undefined) return cached === ABSENT ? undefined : cached
    // A key the physical storage knows it does not hold (SQLite's key filter: a new path) needs no read, and no
    // entry in the cache: knownAbsent asks the storage again.
    if (this.#physical.knownAbsent?.(key) === true) return undefined
    const generation = this.#cache.generation
    const started = performance.now()
    const blob = await this.#physical.get(key)
    if (blob === undefined) {
      this.timings.get.record(performance.now() - started)
      // Remembering absence spares the second lookup of a create (existence check, then the handler's read).
      this.#cache.fill(key, ABSENT, generation)
      return undefined
    }
    const value = this.#decrypt(key, blob)
    this.timings.get.record(performance.now() - started)
    this.#cache.fill(key, value, generation)
    return value
  }

  /**
   * The plaintext at `key` if the read cache holds it, without an await; undefined when sealed, absent or not
   * cached (the caller falls back to `get`). The cache is invalidated before and after every write and emptied
   * on seal, so a hit here is exactly as fresh as one through `get`. Shared with the cache: do not modify it.
   */
  getCached(key: string): Uint8Array | undefined {
    if (this.#keys === undefined) return undefined
    assertNotReserved(key)
    const cached = this.#cache.get(key)
    return cached === ABSENT ? undefined : cached
  }

  /**
   * Whether `key` is known, at this instant, to have no value: the read cache remembers that a `get` found it absent
   * and no write to the key has started since, or the physical storage knows without a read (its own knownAbsent).
   * The barrier is the only writer to its physical storage (a standby that becomes active reloads, and seal
   * empties the cache), so the remembered absence is as fresh as a read.
   */
  knownAbsent(key: string): boolean {
    if (this.#keys === undefined) return false
    assertNotReserved(key)
    return this.#cache.get(key) === ABSENT || this.#physical.knownAbsent?.(key) === true
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.batch([{ op: 'put', key, value }])
  }

  async delete(key: string): Promise<void> {
    this.#unsealed()
    assertNotReserved(key)
    await this.#write([key], () => this.#physical.delete(key))
  }

  /** Invalidate before and after the physical write, so no overlapping read can cache the old value. */
  async #write(keys: string[], write: () => Promise<void>): Promise<void> {
    this.#cache.invalidate(keys)
    try {
      await write()
    } finally {
      this.#cache.invalidate(keys)
    }
  }

  async list(prefix: string): Promise<string[]> {
    this.#unsealed()
    const entries = await this.#physical.list(prefix)
    this.#unsealed()
    // The reserved keys all live under core/; other listings need no filtering.
    if (prefix !== '' && !prefix.startsWith('core/') && !'core/'.startsWith(prefix)) return entries
    return entries.filter((entry) => !RESERVED.has(prefix + entry))
  }

  /**
   * One async frame from the caller down to the physical write (timing, cache invalidation before and after, as
   * `#write` does): each nested async function cost every durable write a promise and a microtask on the way back.
   */
  async batch(ops: StorageOp[]): Promise<void> {
    const started = performance.now()
    // Set once the write is under way: invalidated before and after it, so no overlapping read caches the old value.
    let written: string[] | undefined
    try {
      this.#unsealed()
      const keys: string[] = []
      for (const op of ops) {
        assertNotReserved(op.key)
        keys.push(op.key)
      }
      if (this.#sealer !== undefined) {
        // The backend seals on its writer thread, under the key published for the current term.
        for (const op of ops) if (op.op === 'put') this.#encryptions++
        this.#cache.invalidate(keys)
        written = keys
        await this.#sealer.sealAndBatch(ops)
      } else {
        const sealed = ops.map(
          (op): StorageOp => (op.op === 'put' ? { ...op, value: this.#encrypt(op.key, op.value) } : op),
        )
        this.#cache.invalidate(keys)
        written = keys
        await this.#physical.batch(sealed)
      }
    } finally {
      if (written !== undefined) this.#cache.invalidate(written)
      this.timings.put.record(performance.now() - started)
    }
  }

  #unsealed(): Unsealed {
    if (this.#keys === undefined) throw new SealedError()
    return this.#keys
  }

  #encrypt(key: string, value: Uint8Array): Uint8Array {
    const active = activeTerm(this.#unsealed().keyring)
    const blob = encryptValue(active.key, active.term, value, encoder.encode(key))
    this.#encryptions++
    return blob
  }

  #decrypt(key: string, blob: Uint8Array): Uint8Array {
    // Sealing may have happened while the physical read was in flight.
    const { keyring } = this.#unsealed()
    let term: number
    try {
      term = readTerm(blob)
    } catch (error) {
      throw new Error(`barrier: the value at ${key} is not a barrier value`, { cause: error })
    }
    const entry = keyring.terms.get(term)
    if (entry === undefined)
      throw new Error(`barrier: no key for term ${term}, needed by the value at ${key}`)
    return decryptAt(entry.key, blob, key)
  }

  /**
   * When `held` no longer opens the stored root key, the unseal key a rekey stored under the keyring, if the held
   * keyring opens it; undefined when `held` still works or nothing better is found.
   */
  async #rekeyedElsewhere(held: Uint8Array): Promise<Uint8Array | undefined> {
    const opened = await this.#openRootKey(held).catch(() => undefined)
    if (opened !== undefined) {
      opened.fill(0)
      return undefined
    }
    const blob = await this.#physical.get(UNSEAL_KEY_PATH)
    if (blob === undefined) return undefined
    try {
      const entry = this.#unsealed().keyring.terms.get(readTerm(blob))
      return entry === undefined ? undefined : decryptAt(entry.key, blob, UNSEAL_KEY_PATH)
    } catch {
      return undefined
    }
  }

  async #openRootKey(unsealKey: Uint8Array): Promise<Uint8Array> {
    const blob = await this.#physical.get(ROOT_KEY_PATH)
    if (blob === undefined) throw new InvalidRequestError('Vault is not initialized')
    if (!(unsealKey instanceof Uint8Array) || unsealKey.byteLength !== KEY_BYTES) {
      throw new InvalidRequestError('unseal failed: invalid key')
    }
    try {
      return decryptValue(unsealKey, blob, encoder.encode(ROOT_KEY_PATH))
    } catch {
      throw new InvalidRequestError('unseal failed: invalid key')
    }
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#exclusive.then(work, work)
    this.#exclusive = run.catch(() => undefined)
    return run
  }
}

function sealRootKey(unsealKey: Uint8Array, rootKey: Uint8Array): Uint8Array {
  return encryptValue(unsealKey, SELF_TERM, rootKey, encoder.encode(ROOT_KEY_PATH))
}

function sealKeyring(rootKey: Uint8Array, keyring: Keyring): Uint8Array {
  return encryptValue(rootKey, SELF_TERM, encodeKeyring(keyring), encoder.encode(KEYRING_PATH))
}

function decryptAt(key: Uint8Array, blob: Uint8Array, storageKey: string): Uint8Array {
  try {
    return decryptValue(key, blob, encoder.encode(storageKey))
  } catch (error) {
    throw new Error(`barrier: cannot decrypt the value at ${storageKey}`, { cause: error })
  }
}
