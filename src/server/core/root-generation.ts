// sys/generate-root: a threshold of unseal key shares mints a new root token, returned OTP-encoded or PGP-encrypted.
import type { Key } from 'openpgp'
import { constantTimeEqual } from '../../lib/hash.ts'
import type { Logger } from '../../lib/logger.ts'
import { encodeRootToken, generateOtp } from '../../lib/root-token-otp.ts'
import { InvalidRequestError, SealedError } from '../../sdk/errors.ts'
import type { Barrier } from '../barrier/barrier.ts'
import { alreadyProvided, checkShareLength, combineCollected, wipe } from './key-shares.ts'
import { encryptToKeys, parsePgpKeys, pgpFingerprint } from './pgp-keys.ts'
import type { SealManager } from './seal-manager.ts'

/** Vault's GenerateRootStatusResponse, in wire names. */
export interface GenerateRootStatus {
  nonce: string
  started: boolean
  progress: number
  required: number
  complete: boolean
  encoded_token: string
  encoded_root_token: string
  pgp_fingerprint: string
  otp: string
  otp_length: number
}

interface Attempt {
  nonce: string
  otp: string
  pgpKey: Key | undefined
  pgpFingerprint: string
  progress: Uint8Array[]
}

export interface RootGenerationDeps {
  seal: SealManager
  barrier: Barrier
  logger: Logger
  /** The length of the tokens mintRootToken returns by default, reported as otp_length: an OTP must match it. */
  tokenLength: number
  /**
   * Store a new root token of `length` characters (tokenLength or VAULT_OTP_LENGTH); `revoke` undoes it if the
   * answer cannot be built.
   */
  mintRootToken(length: number): Promise<{ token: string; revoke(): Promise<void> }>
}

/**
 * The OTP length Vault reports (its root tokens are 28 characters): clients that do not read otp_length send an OTP
 * this long (hvac's own tests, scripts written against Vault), so it is accepted too and the root token minted for
 * it is as long, with 24 random characters after the prefix (143 bits).
 */
export const VAULT_OTP_LENGTH = 28

/**
 * One attempt at a time, held in memory only, as Vault holds generateRootConfig: a restart or a seal drops the
 * attempt and its shares, and the operators start again.
 */
export class RootGeneration {
  readonly #deps: RootGenerationDeps
  #attempt: Attempt | undefined
  // Updates run one at a time: two racing submissions must not both complete one attempt.
  #queue: Promise<unknown> = Promise.resolve()

  constructor(deps: RootGenerationDeps) {
    this.#deps = deps
  }

  #required(): number {
    const config = this.#deps.seal.config
    if (!config) throw new InvalidRequestError('server is not yet initialized')
    return config.secretThreshold
  }

  #check(): number {
    const required = this.#required()
    if (this.#deps.barrier.sealed) throw new SealedError()
    return required
  }

  status(otp = ''): GenerateRootStatus {
    const required = this.#check()
    const attempt = this.#attempt
    return {
      nonce: attempt?.nonce ?? '',
      started: attempt !== undefined,
      progress: attempt?.progress.length ?? 0,
      required,
      complete: false,
      encoded_token: '',
      encoded_root_token: '',
      pgp_fingerprint: attempt?.pgpFingerprint ?? '',
      otp,
      otp_length: this.#deps.tokenLength,
    }
  }

  /** Start an attempt. With neither an OTP nor a PGP key the server draws the OTP and returns it once (Vault ≥1.10). */
  async start(input: { otp: string; pgpKey: string }): Promise<GenerateRootStatus> {
    this.#check()
    let otp = input.otp
    let generated = false
    let pgpKey: Key | undefined
    if (input.pgpKey !== '' && otp === '') {
      pgpKey = (await parsePgpKeys([input.pgpKey], 'pgp_key'))[0]
    } else if (otp !== '') {
      if (otp.length !== this.#deps.tokenLength && otp.length !== VAULT_OTP_LENGTH)
        throw new InvalidRequestError('OTP string is wrong length')
      // The OTP is XORed byte for byte with the token: a multi-byte character makes it longer than its length
      // says, and the attempt could only fail once the shares were spent (with a 500).
      if (!/^[\x21-\x7e]+$/.test(otp))
        throw new InvalidRequestError('OTP string must be printable ASCII (base62, as Vault draws it)')
    } else {
      otp = generateOtp(this.#deps.tokenLength)
      generated = true
    }
    if (this.#attempt) throw new InvalidRequestError('root generation already in progress')
    this.#attempt = {
      nonce: crypto.randomUUID(),
      otp,
      pgpKey,
      pgpFingerprint: pgpKey ? pgpFingerprint(pgpKey) : '',
      progress: [],
    }
    this.#deps.logger.log('info', 'root generation initialized', { nonce: this.#attempt.nonce })
    return this.status(generated ? otp : '')
  }

  cancel(): void {
    this.#check()
    this.forget()
  }

  /** Drop any attempt and wipe its shares (cancel, seal). */
  forget(): void {
    if (this.#attempt) wipe(this.#attempt.progress)
    this.#attempt = undefined
  }

  update(share: Uint8Array, nonce: string): Promise<GenerateRootStatus> {
    const run = this.#queue.then(
      () => this.#update(share, nonce),
      () => this.#update(share, nonce),
    )
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #update(share: Uint8Array, nonce: string): Promise<GenerateRootStatus> {
    checkShareLength(share)
    const required = this.#check()
    const attempt = this.#attempt
    if (!attempt) throw new InvalidRequestError('no root generation in progress')
    if (!constantTimeEqual(nonce, attempt.nonce)) {
      // Vault names the expected nonce: it is not secret (GET attempt shows it to anyone).
      throw new InvalidRequestError(
        `incorrect nonce supplied; nonce for this root generation operation is "${attempt.nonce}"`,
      )
    }
    if (alreadyProvided(attempt.progress, share))
      throw new InvalidRequestError('given key has already been provided during this generation operation')
    attempt.progress.push(new Uint8Array(share))
    const progress = attempt.progress.length
    const result = (encoded: string): GenerateRootStatus => ({
      nonce,
      started: true,
      progress,
      required,
      complete: encoded !== '',
      encoded_token: encoded,
      encoded_root_token: encoded,
      pgp_fingerprint: attempt.pgpFingerprint,
      otp: '',
      otp_length: 0,
    })
    if (progress < required) return result('')

    // As in Vault, the collected shares are spent whatever happens next: a wrong set starts the count again.
    const shares = attempt.progress.splice(0)
    let key: Uint8Array | undefined
    try {
      key = await combineCollected(shares, required)
      await this.#deps.barrier.verifyUnsealKey(key)
    } catch (error) {
      this.#deps.logger.log('error', 'root generation aborted: the shares did not rebuild the unseal key')
      throw new InvalidRequestError(`root generation aborted: ${(error as Error).message}`, { cause: error })
    } finally {
      key?.fill(0)
      wipe(shares)
    }
    const { token, revoke } = await this.#deps.mintRootToken(
      attempt.pgpKey ? this.#deps.tokenLength : attempt.otp.length,
    )
    let encoded: string
    try {
      if (attempt.pgpKey) {
        const { messages } = await encryptToKeys([Buffer.from(token)], [attempt.pgpKey])
        encoded = Buffer.from(messages[0]!).toString('base64')
      } else {
        encoded = encodeRootToken(token, attempt.otp)
      }
    } catch (error) {
      await revoke()
      throw error
    }
    this.#deps.logger.log('info', 'root generation finished', { nonce: attempt.nonce })
    // Only if still current: a cancel and a new init may have landed while this share was in flight.
    if (this.#attempt === attempt) this.#attempt = undefined
    return result(encoded)
  }
}
