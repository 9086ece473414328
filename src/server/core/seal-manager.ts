// Shamir seal: init splits a random unseal key into shares; unseal collects shares until the threshold.
import { randomBytes } from 'node:crypto'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { getJson, type Storage } from '../../sdk/storage.ts'
import { type Barrier, SEAL_CONFIG_PATH } from '../barrier/barrier.ts'
import { alreadyProvided, checkShareLength } from './key-shares.ts'
import { combineShares, splitKey } from './shamir.ts'

export interface SealConfig {
  type: 'shamir'
  secretShares: number
  secretThreshold: number
}

export class SealManager {
  readonly #physical: Storage
  readonly #barrier: Barrier
  #config: SealConfig | undefined
  #pending: Buffer[] = []
  #nonce = ''

  constructor(physical: Storage, barrier: Barrier) {
    this.#physical = physical
    this.#barrier = barrier
  }

  async load(): Promise<SealConfig | undefined> {
    this.#config = await getJson<SealConfig>(this.#physical, SEAL_CONFIG_PATH)
    return this.#config
  }

  get config(): SealConfig | undefined {
    return this.#config
  }

  get progress(): number {
    return this.#pending.length
  }

  get nonce(): string {
    return this.#nonce
  }

  /** Create the barrier and return the unseal key shares; the barrier is left unsealed for the caller's setup. */
  async initialize(secretShares: number, secretThreshold: number): Promise<Uint8Array[]> {
    if (this.#config || (await this.#barrier.isInitialized()))
      throw new InvalidRequestError('Vault is already initialized')
    const unsealKey = randomBytes(32)
    const shares = await splitKey(unsealKey, secretShares, secretThreshold)
    const config: SealConfig = { type: 'shamir', secretShares, secretThreshold }
    // One batch: a crash before it leaves nothing, after it a store that unseals with these shares.
    await this.#barrier.initialize(unsealKey, [
      { op: 'put', key: SEAL_CONFIG_PATH, value: new TextEncoder().encode(JSON.stringify(config)) },
    ])
    this.#config = config
    await this.#barrier.unseal(unsealKey)
    unsealKey.fill(0)
    return shares
  }

  /**
   * Replace the unseal key after a rekey: a new root key wrapped by `newKey`, and the new share configuration, in
   * one physical batch (so the old shares stop working exactly when the new configuration appears).
   */
  async rekey(newKey: Uint8Array, secretShares: number, secretThreshold: number): Promise<void> {
    const config: SealConfig = { type: 'shamir', secretShares, secretThreshold }
    await this.#barrier.rotateRootKey(newKey, [
      { op: 'put', key: SEAL_CONFIG_PATH, value: new TextEncoder().encode(JSON.stringify(config)) },
    ])
    this.#config = config
  }

  reset(): void {
    this.#pending = []
    this.#nonce = ''
  }

  /** Add one share; returns true once the barrier is unsealed. A wrong combination resets progress. */
  async submit(share: Buffer): Promise<boolean> {
    const config = this.#config
    if (!config) throw new InvalidRequestError('Vault is not initialized')
    if (!this.#barrier.sealed) return true
    // Vault's unsealFragment checks the length first: a malformed share must not take a place and spoil the round.
    checkShareLength(share)
    if (alreadyProvided(this.#pending, share)) return false
    if (this.#pending.length === 0) this.#nonce = crypto.randomUUID()
    this.#pending.push(share)
    if (this.#pending.length < config.secretThreshold) return false
    const shares = this.#pending
    this.reset()
    let key: Uint8Array
    try {
      key = config.secretShares === 1 ? shares[0]! : await combineShares(shares)
    } catch (error) {
      throw new InvalidRequestError('unseal failed: the key shares could not be combined', { cause: error })
    }
    await this.#barrier.unseal(key)
    return true
  }
}
