// A transit key as stored (one entry per key, every version inside, like Vault's policy) and its load/save.
import crypto from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { getJson, getJsonShared, putJson, type Storage } from '../../../sdk/storage.ts'
import { generatePrivateKey, isAsymmetric, isSymmetric, type KeyType, symmetricKeySize } from './key-types.ts'

/** One version of a key. Byte strings are base64; `private_key` is PKCS#8 PEM for asymmetric types. */
export interface KeyVersion {
  /** Symmetric and hmac types: the key bytes. */
  key?: string
  /** Every type: the HMAC key this version answers hmac/ with (the key itself for the hmac type). */
  hmac_key: string
  private_key?: string
  /** Unix seconds, Vault's `keys` map value for symmetric keys. */
  time: number
  /** RFC 3339 creation time, shown beside asymmetric public keys. */
  creation_time: string
}

export interface TransitKey {
  name: string
  type: KeyType
  derived: boolean
  /** Vault's kdf mode; keys created here always use HKDF-SHA256. */
  kdf: 'hkdf_sha256'
  convergent_encryption: boolean
  /** Vault's convergent version 3: the nonce is an HMAC of the plaintext under a derived key. */
  convergent_version: number
  exportable: boolean
  allow_plaintext_backup: boolean
  deletion_allowed: boolean
  /** Seconds; 0 means never. */
  auto_rotate_period: number
  /** Bytes of an hmac-type key. */
  key_size: number
  latest_version: number
  min_decryption_version: number
  min_encryption_version: number
  min_available_version: number
  /** Key material brought in through keys/:name/import (BYOK). */
  imported_key?: boolean
  /** Imported keys rotate (to server-generated material) only when imported with allow_rotation. */
  allow_rotation?: boolean
  versions: Record<string, KeyVersion>
  /** When the key was last backed up and its latest version then, as Vault records it (shown on read). */
  backup_info?: ActionInfo
  /** When this key was restored from a backup and the latest version it brought. */
  restore_info?: ActionInfo
}

/** Vault's BackupInfo and RestoreInfo: an RFC 3339 time and a version. */
export interface ActionInfo {
  time: string
  version: number
}

export const KEY_PREFIX = 'policy/'

export function keyStorageKey(name: string): string {
  return KEY_PREFIX + name
}

export function loadKey(storage: Storage, name: string): Promise<TransitKey | undefined> {
  return getJson<TransitKey>(storage, keyStorageKey(name))
}

/**
 * The key for read-only use: deeply frozen and shared between requests, parsed once per stored version of the
 * entry (the barrier hands out the same bytes until the key changes), so encrypt and sign skip the JSON parse.
 */
export function loadKeyShared(storage: Storage, name: string): Promise<TransitKey | undefined> {
  return getJsonShared<TransitKey>(storage, keyStorageKey(name))
}

const privateKeys = new WeakMap<KeyVersion, crypto.KeyObject>()

/** A version's private key as a KeyObject, parsed once per shared version entry rather than once per request. */
export function privateKeyOf(entry: KeyVersion): crypto.KeyObject {
  let keyObject = privateKeys.get(entry)
  if (keyObject === undefined) {
    keyObject = crypto.createPrivateKey(entry.private_key ?? '')
    privateKeys.set(entry, keyObject)
  }
  return keyObject
}

const symmetricKeys = new WeakMap<KeyVersion, crypto.KeyObject>()
const storedKeys = new WeakMap<KeyVersion, crypto.KeyObject>()
const hmacKeys = new WeakMap<KeyVersion, crypto.KeyObject>()

/** A KeyObject made once per shared version entry (raw key bytes handed to Node's crypto are imported on every call). */
function remembered(
  cache: WeakMap<KeyVersion, crypto.KeyObject>,
  entry: KeyVersion,
  bytes: () => Buffer,
): crypto.KeyObject {
  let keyObject = cache.get(entry)
  if (keyObject === undefined) {
    keyObject = crypto.createSecretKey(bytes())
    cache.set(entry, keyObject)
  }
  return keyObject
}

/**
 * A symmetric version's (underived) encryption key as a KeyObject: given raw bytes, every createCipheriv imports
 * them into a new key object first, which cost more than the AES work on a 1 KiB plaintext.
 */
export function symmetricKeyOf(entry: KeyVersion, bytes: number): crypto.KeyObject {
  return remembered(symmetricKeys, entry, () => Buffer.from(entry.key ?? '', 'base64').subarray(0, bytes))
}

/** A symmetric version's whole stored key, the input keying material of derived keys. */
export function storedKeyOf(entry: KeyVersion): crypto.KeyObject {
  return remembered(storedKeys, entry, () => Buffer.from(entry.key ?? '', 'base64'))
}

/** A version's HMAC key, or undefined when the version has none. */
export function hmacKeyOf(entry: KeyVersion): crypto.KeyObject | undefined {
  const known = hmacKeys.get(entry)
  if (known !== undefined) return known
  const bytes = Buffer.from(entry.hmac_key ?? '', 'base64')
  return bytes.length === 0 ? undefined : remembered(hmacKeys, entry, () => bytes)
}

export async function saveKey(storage: Storage, key: TransitKey): Promise<void> {
  await putJson(storage, keyStorageKey(key.name), key)
}

/** The key or Vault's 400 for a missing one (encrypt, decrypt and most operations say "encryption key not found"). */
export async function requireKey(
  storage: Storage,
  name: string,
  message = 'encryption key not found',
): Promise<TransitKey> {
  const key = await loadKeyShared(storage, name)
  if (key === undefined) throw new InvalidRequestError(message)
  return key
}

/** Fresh key material for a new version of `key`'s type. */
export async function newVersion(
  key: Pick<TransitKey, 'type' | 'key_size'>,
  now: number,
): Promise<KeyVersion> {
  const time = Math.floor(now / 1000)
  const base = { time, creation_time: new Date(now).toISOString() }
  if (key.type === 'hmac') {
    const bytes = crypto.randomBytes(key.key_size).toString('base64')
    return { ...base, key: bytes, hmac_key: bytes }
  }
  const hmac_key = crypto.randomBytes(32).toString('base64')
  if (isSymmetric(key.type))
    return { ...base, key: crypto.randomBytes(symmetricKeySize(key.type)).toString('base64'), hmac_key }
  if (isAsymmetric(key.type)) return { ...base, hmac_key, private_key: await generatePrivateKey(key.type) }
  throw new Error(`transit: no key material for type ${key.type}`)
}

/** A version's entry, or Vault's 400 when the version was trimmed or never existed. */
export function versionOf(key: TransitKey, version: number): KeyVersion {
  const entry = key.versions[String(version)]
  if (entry === undefined) throw new InvalidRequestError('invalid key version')
  return entry
}

/**
 * The versions Vault keeps loaded: those at or above min_decryption_version, in version order. Older ones stay
 * stored (lowering the minimum brings them back) but are not shown or exported.
 */
export function liveVersions(key: TransitKey): [string, KeyVersion][] {
  return Object.entries(key.versions)
    .filter(([version]) => Number(version) >= key.min_decryption_version)
    .sort(([a], [b]) => Number(a) - Number(b))
}
