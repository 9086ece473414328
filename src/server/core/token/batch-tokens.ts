// Batch tokens: the token entry itself, sealed with AES-256-GCM under a key kept behind the barrier, so issuing one writes nothing.
import { randomBytes } from 'node:crypto'
import { sha256Hex } from '../../../lib/hash.ts'
import {
  decryptValue,
  encryptValue,
  FORMAT_VERSION,
  HEADER_BYTES,
  NONCE_BYTES,
  TERM_BYTES,
} from '../../../lib/sealed-value.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { type CreateTokenInput, effectiveTtl, type TokenEntry } from './token-entry.ts'

export const BATCH_TOKEN_PREFIX = 'cvb.'
const KEY_PATH = 'batch-key'
/**
 * Binds the sealed entry to its purpose: no other value sealed under this key opens as a token. v2 also
 * authenticates the header (term, version, nonce), so every byte of a token is covered by the tag.
 */
const AAD_LABEL = Buffer.from('coffer batch token v2')
/** The term field of the header; batch tokens have one key, so it is a constant that must match exactly. */
const TERM = 1
/** Batch token identities are never storage keys; the prefix keeps them apart from service tokens' hashes. */
const ID_PREFIX = 'batch.'
/** Longer than any entry this codec writes; a longer header value is refused before decryption. */
const MAX_TOKEN_LENGTH = 8192

export type SealedFields = Omit<TokenEntry, 'idHash' | 'accessor' | 'type'>

export function isBatchToken(token: string): boolean {
  return token.startsWith(BATCH_TOKEN_PREFIX)
}

export function isBatchIdentity(idHash: string): boolean {
  return idHash.startsWith(ID_PREFIX)
}

export class BatchTokenCodec {
  readonly #key: Uint8Array

  private constructor(key: Uint8Array) {
    this.#key = key
  }

  /** The store's batch key, made on first use; it lives in the token store's storage, behind the barrier. */
  static async load(storage: Storage): Promise<BatchTokenCodec> {
    let key = await storage.get(KEY_PATH)
    if (!key) {
      key = randomBytes(32)
      await storage.put(KEY_PATH, key)
    }
    return new BatchTokenCodec(Uint8Array.from(key))
  }

  issue(fields: SealedFields): { token: string; entry: TokenEntry } {
    // The nonce is chosen here rather than inside encryptValue so the header it writes can be part of the AAD.
    const nonce = randomBytes(NONCE_BYTES)
    const header = Buffer.alloc(HEADER_BYTES)
    header.writeUInt32BE(TERM, 0)
    header[TERM_BYTES] = FORMAT_VERSION
    nonce.copy(header, TERM_BYTES + 1)
    const sealed = encryptValue(this.#key, TERM, Buffer.from(JSON.stringify(fields)), aadFor(header), nonce)
    if (!Buffer.from(sealed.subarray(0, HEADER_BYTES)).equals(header))
      throw new Error('batch token header does not match the sealed value format')
    const token = BATCH_TOKEN_PREFIX + Buffer.from(sealed).toString('base64url')
    return { token, entry: this.#entry(token, fields) }
  }

  /**
   * The entry inside a batch token, or undefined when it was not sealed by this store or was altered in any
   * character: the base64url text must be canonical, so each token has exactly one accepted spelling (and one
   * audit HMAC), and every decoded byte is authenticated.
   */
  open(token: string): TokenEntry | undefined {
    if (!isBatchToken(token) || token.length > MAX_TOKEN_LENGTH) return undefined
    const sealed = decodeCanonicalBase64url(token.slice(BATCH_TOKEN_PREFIX.length))
    if (!sealed || sealed.byteLength < HEADER_BYTES) return undefined
    try {
      const plaintext = decryptValue(this.#key, sealed, aadFor(sealed.subarray(0, HEADER_BYTES)))
      const fields = JSON.parse(Buffer.from(plaintext).toString('utf8'))
      return this.#entry(token, fields as SealedFields)
    } catch {
      return undefined
    }
  }

  #entry(token: string, fields: SealedFields): TokenEntry {
    // No accessor and nothing stored: the identity only tells batch tokens apart in memory (never a storage key).
    return { ...fields, idHash: ID_PREFIX + sha256Hex(token), accessor: '', type: 'batch' }
  }
}

function aadFor(header: Uint8Array): Buffer {
  return Buffer.concat([AAD_LABEL, header])
}

/**
 * Bytes from unpadded base64url text, or undefined unless re-encoding gives back exactly `text`. Node's decoder
 * skips invalid characters, accepts "=" padding and ignores the unused low bits of the last character; any of
 * those would let one token be spelt several ways.
 */
export function decodeCanonicalBase64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined
  const bytes = Buffer.from(text, 'base64url')
  return bytes.toString('base64url') === text ? bytes : undefined
}

/**
 * A batch token: its entry sealed into the token itself, so nothing is stored and issuing costs no write.
 * As in Vault it has no accessor, cannot be renewed, revoked, used up or periodic, and dies with its
 * parent (when it has one) or at its TTL.
 */
export function issueBatchToken(
  codec: BatchTokenCodec,
  input: CreateTokenInput,
  now: number,
): { token: string; entry: TokenEntry } {
  if (input.id !== undefined) throw new InvalidRequestError('batch tokens cannot have a chosen id')
  if ((input.numUses ?? 0) > 0) throw new InvalidRequestError('batch tokens cannot have a use limit')
  if ((input.period ?? 0) > 0) throw new InvalidRequestError('batch tokens cannot be periodic')
  if (input.policies.includes('root')) throw new InvalidRequestError('batch tokens cannot be root tokens')
  const ttls = effectiveTtl(input)
  if (ttls.ttl === 0) throw new InvalidRequestError('batch tokens must have a TTL')
  return codec.issue(batchTokenFields(input, input.parentHash, ttls, now))
}

/**
 * What a batch-shaped entry holds besides its identity: no use limit, no period, no renewal, and the TTLs given.
 * Shared by issued batch tokens and logins in place (in-place-entry.ts), which differ only in identity and parent.
 */
export function batchTokenFields(
  input: CreateTokenInput,
  parentHash: string,
  { ttl, hardCap, explicitMaxTtl }: ReturnType<typeof effectiveTtl>,
  now: number,
): SealedFields {
  return {
    parentHash,
    policies: input.policies,
    meta: input.meta ?? {},
    displayName: input.displayName ?? 'token',
    numUses: 0,
    creationTime: Math.floor(now / 1000),
    creationTtl: ttl,
    expireTime: now + ttl * 1000,
    maxExpireTime: hardCap > 0 ? now + hardCap * 1000 : 0,
    explicitMaxTtl,
    period: 0,
    renewable: false,
    path: input.path,
    role: input.role ?? '',
    entityId: input.entityId ?? '',
    lastRenewalTime: 0,
    ...(input.boundCidrs?.length ? { boundCidrs: input.boundCidrs } : {}),
    ...(input.login ? { login: input.login } : {}),
  }
}
