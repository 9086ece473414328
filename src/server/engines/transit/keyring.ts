// Creating and rotating keys under the per-key lock, so racing upserts never create two keys and a rotation never loses a version.

import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { isStoredKeyType, isSymmetric, supportsDerivation } from './key-types.ts'
import { keyStorageKey, loadKey, newVersion, saveKey, type TransitKey } from './model.ts'
import type { TransitState } from './state.ts'

export interface KeyRequest {
  type: string
  derived: boolean
  convergent: boolean
  exportable: boolean
  allowPlaintextBackup: boolean
  autoRotatePeriod: number
  keySize: number
}

export const MIN_AUTO_ROTATE_PERIOD = 3600

const NAME = /^[A-Za-z0-9_.@-]+$/

export function checkKeyName(name: string): void {
  if (!NAME.test(name)) throw new InvalidRequestError('invalid key name')
}

/** Vault's checks on a new key's settings, in its order and words, before any material is generated. */
function checkRequest(request: KeyRequest): void {
  if (request.autoRotatePeriod !== 0 && request.autoRotatePeriod < MIN_AUTO_ROTATE_PERIOD)
    throw new InvalidRequestError('auto rotate period must be 0 to disable or at least an hour')
  if (request.autoRotatePeriod < 0) throw new InvalidRequestError('auto rotate period cannot be negative')
  if (request.convergent && !request.derived)
    throw new InvalidRequestError('convergent encryption requires derivation to be enabled')
  if (!isStoredKeyType(request.type)) throw new InvalidRequestError(`unknown key type ${request.type}`)
  // 0 is "not given"; an hmac key's size is always given by then (keys/ defaults it to 32).
  if (request.keySize !== 0 || request.type === 'hmac') {
    if (request.type !== 'hmac')
      throw new InvalidRequestError(`key_size is not valid for algorithm ${request.type}`)
    if (request.keySize < 32 || request.keySize > 512)
      throw new InvalidRequestError(`invalid key_size ${request.keySize}`)
  }
  if (request.derived && !supportsDerivation(request.type))
    throw new InvalidRequestError(
      `key derivation and convergent encryption not supported for keys of type ${request.type}`,
    )
  // An Ed25519 key may be derived (a signing key per context) but never convergent, as in Vault.
  if (request.convergent && !isSymmetric(request.type))
    throw new InvalidRequestError(`convergent encryption not supported for keys of type ${request.type}`)
}

/** The key `name`, created from `request` unless it exists; `created` says which. */
export function getOrCreateKey(
  storage: Storage,
  locks: TransitState,
  name: string,
  request: KeyRequest,
  now: number,
): Promise<{ key: TransitKey; created: boolean }> {
  checkKeyName(name)
  checkRequest(request)
  return locks.run(keyStorageKey(name), async () => {
    const existing = await loadKey(storage, name)
    if (existing !== undefined) return { key: existing, created: false }
    const type = request.type as TransitKey['type']
    const keySize = type === 'hmac' ? request.keySize : 0
    const first = await newVersion({ type, key_size: keySize }, now)
    const key: TransitKey = {
      name,
      type,
      derived: request.derived,
      kdf: 'hkdf_sha256',
      convergent_encryption: request.convergent,
      convergent_version: request.convergent ? 3 : 0,
      exportable: request.exportable,
      allow_plaintext_backup: request.allowPlaintextBackup,
      deletion_allowed: false,
      auto_rotate_period: request.autoRotatePeriod,
      key_size: keySize,
      latest_version: 1,
      min_decryption_version: 1,
      min_encryption_version: 0,
      min_available_version: 0,
      versions: { '1': first },
    }
    await saveKey(storage, key)
    locks.rescheduleRotation()
    return { key, created: true }
  })
}

/** Read-modify-write of an existing key under its lock; `change` returns the key to store. */
export function updateKey(
  storage: Storage,
  locks: TransitState,
  name: string,
  change: (key: TransitKey) => Promise<TransitKey> | TransitKey,
  missing = `no existing key named ${name} could be found`,
): Promise<TransitKey> {
  return locks.run(keyStorageKey(name), async () => {
    const key = await loadKey(storage, name)
    if (key === undefined) throw new InvalidRequestError(missing)
    const changed = await change(key)
    await saveKey(storage, changed)
    locks.rescheduleRotation()
    return changed
  })
}

/** A new latest version with fresh material; older versions stay for decryption. */
export async function rotate(key: TransitKey, now: number): Promise<TransitKey> {
  if (key.imported_key && !key.allow_rotation)
    throw new InvalidRequestError(`imported key ${key.name} does not allow rotation within the server`)
  const version = key.latest_version + 1
  const entry = await newVersion(key, now)
  return { ...key, latest_version: version, versions: { ...key.versions, [String(version)]: entry } }
}
