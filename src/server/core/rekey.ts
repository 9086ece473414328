// sys/rekey: a threshold of the current shares replaces the unseal key with a new one split into new shares.

import { randomBytes } from 'node:crypto'
import type { Key } from 'openpgp'
import { constantTimeEqual } from '../../lib/hash.ts'
import type { Logger } from '../../lib/logger.ts'
import { InvalidRequestError, SealedError } from '../../sdk/errors.ts'
import { getJson, putJson } from '../../sdk/storage.ts'
import type { Barrier } from '../barrier/barrier.ts'
import { alreadyProvided, checkShareLength, combineCollected, wipe } from './key-shares.ts'
import { encryptShares, parsePgpKeys, pgpFingerprint } from './pgp-keys.ts'
import type { SealManager } from './seal-manager.ts'
import { splitKey, validateShareConfig } from './shamir.ts'

/** The PGP-encrypted new shares kept when a rekey asks for `backup` (behind the barrier; Vault keeps them in clear storage). */
export const REKEY_BACKUP_PATH = 'core/unseal-keys-backup'

export interface RekeyBackup {
  nonce: string
  /** Hex of each encrypted share, by the fingerprint of the key it is encrypted to. */
  keys: Record<string, string[]>
}

/** Vault's RekeyStatusResponse, in wire names. */
export interface RekeyStatus {
  nonce: string
  started: boolean
  t: number
  n: number
  progress: number
  required: number
  pgp_fingerprints: string[] | null
  backup: boolean
  verification_required: boolean
  verification_nonce?: string
}

/** Vault's RekeyUpdateResponse once the threshold is reached. */
export interface RekeyResult {
  nonce: string
  complete: true
  keys: string[]
  keys_base64: string[]
  pgp_fingerprints: string[] | null
  backup: boolean
  verification_required: boolean
  verification_nonce?: string
}

export interface RekeyVerifyStatus {
  nonce: string
  started: boolean
  t: number
  n: number
  progress: number
}

export interface RekeyRequest {
  secretShares: number
  secretThreshold: number
  pgpKeys: string[]
  backup: boolean
  requireVerification: boolean
}

interface Attempt {
  nonce: string
  secretShares: number
  secretThreshold: number
  pgpKeys: Key[]
  backup: boolean
  verificationRequired: boolean
  progress: Uint8Array[]
  /** Set once the new shares are handed out and must be entered back before they take effect. */
  verification?: { nonce: string; key: Uint8Array; progress: Uint8Array[] }
}

export interface RekeyDeps {
  seal: SealManager
  barrier: Barrier
  logger: Logger
}

/** One rekey at a time, in memory only as in Vault: a restart or a seal drops it and the current shares stay valid. */
export class Rekey {
  readonly #deps: RekeyDeps
  #attempt: Attempt | undefined
  #queue: Promise<unknown> = Promise.resolve()

  constructor(deps: RekeyDeps) {
    this.#deps = deps
  }

  #required(): number {
    const config = this.#deps.seal.config
    if (!config) throw new InvalidRequestError('server is not yet initialized')
    if (this.#deps.barrier.sealed) throw new SealedError()
    return config.secretThreshold
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work)
    this.#queue = run.catch(() => undefined)
    return run
  }

  status(): RekeyStatus {
    const required = this.#required()
    const attempt = this.#attempt
    const status: RekeyStatus = {
      nonce: attempt?.nonce ?? '',
      started: attempt !== undefined,
      t: attempt?.secretThreshold ?? 0,
      n: attempt?.secretShares ?? 0,
      progress: attempt?.progress.length ?? 0,
      required,
      pgp_fingerprints: attempt && attempt.pgpKeys.length > 0 ? attempt.pgpKeys.map(pgpFingerprint) : null,
      backup: attempt !== undefined && attempt.pgpKeys.length > 0 && attempt.backup,
      verification_required: attempt?.verificationRequired ?? false,
    }
    // omitempty in Vault's response struct.
    if (attempt?.verification) status.verification_nonce = attempt.verification.nonce
    return status
  }

  async start(request: RekeyRequest): Promise<RekeyStatus> {
    this.#required()
    if (request.backup && request.pgpKeys.length === 0) {
      throw new InvalidRequestError(
        'cannot request a backup of the new keys without providing PGP keys for encryption',
      )
    }
    if (request.pgpKeys.length > 0 && request.pgpKeys.length !== request.secretShares)
      throw new InvalidRequestError('incorrect number of PGP keys for rekey')
    if (request.secretThreshold > request.secretShares)
      throw new InvalidRequestError('provided threshold greater than the total shares')
    validateShareConfig(request.secretShares, request.secretThreshold)
    const pgpKeys = await parsePgpKeys(request.pgpKeys, 'pgp_keys')
    if (this.#attempt) throw new InvalidRequestError('rekey already in progress')
    this.#attempt = {
      nonce: crypto.randomUUID(),
      secretShares: request.secretShares,
      secretThreshold: request.secretThreshold,
      pgpKeys,
      backup: request.backup,
      verificationRequired: request.requireVerification,
      progress: [],
    }
    this.#deps.logger.log('info', 'rekey initialized', {
      nonce: this.#attempt.nonce,
      shares: request.secretShares,
      threshold: request.secretThreshold,
      verification_required: request.requireVerification,
    })
    return this.status()
  }

  cancel(): void {
    this.#required()
    this.forget()
  }

  /** Drop the attempt and wipe every share and key it holds (cancel, seal). */
  forget(): void {
    if (this.#attempt) this.#drop(this.#attempt)
  }

  /**
   * Wipe one attempt, and clear it only if it is still the current one: a cancel and a new init can land while a
   * share is in flight (Vault makes them wait on its lock), and finishing the old attempt must not drop the new.
   */
  #drop(attempt: Attempt): void {
    wipe(attempt.progress)
    if (attempt.verification) {
      attempt.verification.key.fill(0)
      wipe(attempt.verification.progress)
    }
    if (this.#attempt === attempt) this.#attempt = undefined
  }

  /** Submit a current share; at the threshold the new shares are returned (and installed unless verification is required). */
  update(share: Uint8Array, nonce: string): Promise<RekeyStatus | RekeyResult> {
    return this.#serially(() => this.#update(share, nonce))
  }

  async #update(share: Uint8Array, nonce: string): Promise<RekeyStatus | RekeyResult> {
    const required = this.#required()
    checkShareLength(share)
    const attempt = this.#attempt
    if (!attempt) throw new InvalidRequestError('no barrier rekey in progress')
    if (attempt.verification) {
      throw new InvalidRequestError(
        `rekey operation already finished; verification must be performed; nonce for the verification operation is "${attempt.verification.nonce}"`,
      )
    }
    if (!constantTimeEqual(nonce, attempt.nonce))
      throw new InvalidRequestError(
        `incorrect nonce supplied; nonce for this rekey operation is "${attempt.nonce}"`,
      )
    if (alreadyProvided(attempt.progress, share))
      throw new InvalidRequestError('given key has already been provided during this generation operation')
    attempt.progress.push(new Uint8Array(share))
    if (attempt.progress.length < required) return this.status()

    // The shares are spent whatever the outcome, as in Vault: a wrong set means entering a threshold again.
    const shares = attempt.progress.splice(0)
    let current: Uint8Array | undefined
    try {
      current = await combineCollected(shares, required)
      await this.#deps.barrier.verifyUnsealKey(current)
    } catch (error) {
      this.#deps.logger.log('error', 'rekey aborted: the shares did not rebuild the unseal key')
      throw new InvalidRequestError(`root key verification failed: ${(error as Error).message}`, {
        cause: error,
      })
    } finally {
      current?.fill(0)
      wipe(shares)
    }

    const newKey = randomBytes(32)
    const newShares = await splitKey(newKey, attempt.secretShares, attempt.secretThreshold)
    let delivered: Uint8Array[] = newShares
    let fingerprints: string[] | null = null
    if (attempt.pgpKeys.length > 0) {
      const encrypted = await encryptShares(newShares, attempt.pgpKeys)
      delivered = encrypted.messages
      fingerprints = encrypted.fingerprints
      if (attempt.backup) await this.#storeBackup(attempt.nonce, fingerprints, delivered)
    }
    const result: RekeyResult = {
      nonce,
      complete: true,
      keys: delivered.map((share) => Buffer.from(share).toString('hex')),
      keys_base64: delivered.map((share) => Buffer.from(share).toString('base64')),
      pgp_fingerprints: fingerprints,
      backup: attempt.backup,
      verification_required: attempt.verificationRequired,
    }
    if (fingerprints) for (const share of newShares) share.fill(0)
    if (attempt.verificationRequired) {
      attempt.verification = { nonce: crypto.randomUUID(), key: newKey, progress: [] }
      result.verification_nonce = attempt.verification.nonce
      return result
    }
    try {
      await this.#install(attempt, newKey)
    } finally {
      newKey.fill(0)
    }
    return result
  }

  async #install(attempt: Attempt, newKey: Uint8Array): Promise<void> {
    await this.#deps.seal.rekey(newKey, attempt.secretShares, attempt.secretThreshold)
    this.#deps.logger.log('info', 'security barrier rekeyed', {
      shares: attempt.secretShares,
      threshold: attempt.secretThreshold,
    })
    this.#drop(attempt)
  }

  async #storeBackup(nonce: string, fingerprints: string[], messages: Uint8Array[]): Promise<void> {
    const keys: Record<string, string[]> = {}
    for (const [index, fingerprint] of fingerprints.entries()) {
      const list = keys[fingerprint] ?? []
      list.push(Buffer.from(messages[index]!).toString('hex'))
      keys[fingerprint] = list
    }
    await putJson(this.#deps.barrier, REKEY_BACKUP_PATH, { nonce, keys } satisfies RekeyBackup)
  }

  verifyStatus(): RekeyVerifyStatus {
    this.#required()
    const attempt = this.#attempt
    if (!attempt) throw new InvalidRequestError('no rekey configuration found')
    return {
      nonce: attempt.verification?.nonce ?? '',
      started: attempt.verification !== undefined,
      t: attempt.secretThreshold,
      n: attempt.secretShares,
      progress: attempt.verification?.progress.length ?? 0,
    }
  }

  /** DELETE sys/rekey/verify: forget the verification shares entered so far and draw a new verification nonce. */
  restartVerification(): RekeyVerifyStatus {
    this.#required()
    const verification = this.#attempt?.verification
    if (verification) {
      wipe(verification.progress)
      verification.nonce = crypto.randomUUID()
    }
    return this.verifyStatus()
  }

  /** Enter one of the new shares; once the threshold of them rebuilds the new key, it is installed. */
  verify(share: Uint8Array, nonce: string): Promise<RekeyVerifyStatus | { nonce: string; complete: true }> {
    return this.#serially(() => this.#verify(share, nonce))
  }

  async #verify(
    share: Uint8Array,
    nonce: string,
  ): Promise<RekeyVerifyStatus | { nonce: string; complete: true }> {
    this.#required()
    checkShareLength(share)
    const attempt = this.#attempt
    if (!attempt) throw new InvalidRequestError('no rekey in progress')
    const verification = attempt.verification
    if (!verification) throw new InvalidRequestError('no rekey verification in progress')
    if (!constantTimeEqual(nonce, verification.nonce)) {
      throw new InvalidRequestError(
        `incorrect nonce supplied; nonce for this verify operation is "${verification.nonce}"`,
      )
    }
    if (alreadyProvided(verification.progress, share))
      throw new InvalidRequestError('given key has already been provided during this verify operation')
    verification.progress.push(new Uint8Array(share))
    if (verification.progress.length < attempt.secretThreshold) return this.verifyStatus()

    const shares = verification.progress.splice(0)
    let rebuilt: Uint8Array | undefined
    try {
      rebuilt = await combineCollected(shares, attempt.secretThreshold).catch(() => undefined)
      const matches =
        rebuilt !== undefined &&
        rebuilt.byteLength === verification.key.byteLength &&
        constantTimeEqual(Buffer.from(rebuilt).toString('hex'), Buffer.from(verification.key).toString('hex'))
      if (!matches) {
        // Vault draws a new verification nonce after a failed attempt, so the next round starts clean.
        verification.nonce = crypto.randomUUID()
        throw new InvalidRequestError('rekey verification failed; incorrect key shares supplied')
      }
    } finally {
      rebuilt?.fill(0)
      wipe(shares)
    }
    const done = { nonce: verification.nonce, complete: true as const }
    await this.#install(attempt, verification.key)
    return done
  }

  async readBackup(): Promise<RekeyBackup | undefined> {
    return getJson<RekeyBackup>(this.#deps.barrier, REKEY_BACKUP_PATH)
  }

  async deleteBackup(): Promise<void> {
    await this.#deps.barrier.delete(REKEY_BACKUP_PATH)
  }
}
