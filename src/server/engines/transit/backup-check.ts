// The checks a restored backup passes before it is stored: a tampered blob must not become a key that fails later.
import crypto from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { decodeBase64 } from './encoding.ts'
import {
  isAsymmetric,
  isKeyType,
  isSymmetric,
  type KeyType,
  privateKeyMatchesType,
  supportsDerivation,
  symmetricKeySize,
} from './key-types.ts'
import { MIN_AUTO_ROTATE_PERIOD } from './keyring.ts'
import type { TransitKey } from './model.ts'

const NOT_A_BACKUP = 'failed to decode backup: not a transit key backup'

function refuse(reason: string): never {
  throw new InvalidRequestError(`failed to decode backup: ${reason}`)
}

const count = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min

/** The key as stored, or a 400 naming the first field that is malformed or inconsistent with the others. */
export function checkRestoredKey(raw: unknown): TransitKey {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new InvalidRequestError(NOT_A_BACKUP)
  const key = raw as Record<string, unknown>
  if (typeof key['name'] !== 'string' || !isKeyType(String(key['type'])))
    throw new InvalidRequestError(NOT_A_BACKUP)
  const type = key['type'] as KeyType
  const versions = key['versions']
  if (versions === null || typeof versions !== 'object' || Array.isArray(versions))
    throw new InvalidRequestError(NOT_A_BACKUP)
  for (const flag of [
    'derived',
    'convergent_encryption',
    'exportable',
    'allow_plaintext_backup',
    'deletion_allowed',
  ])
    if (typeof key[flag] !== 'boolean') refuse(`${flag} is not a boolean`)
  for (const flag of ['imported_key', 'allow_rotation'])
    if (key[flag] !== undefined && typeof key[flag] !== 'boolean') refuse(`${flag} is not a boolean`)
  if (key['derived'] && !supportsDerivation(type)) refuse(`keys of type ${type} cannot be derived`)
  if (key['convergent_encryption'] && !key['derived']) refuse('convergent encryption requires derivation')

  const latest = key['latest_version']
  const minDecryption = key['min_decryption_version']
  const minEncryption = key['min_encryption_version']
  const minAvailable = key['min_available_version']
  if (!count(latest, 1)) refuse('latest_version is not a positive integer')
  if (!count(minDecryption, 0) || minDecryption > latest)
    refuse('min_decryption_version is not an integer from 0 to latest_version')
  if (!count(minEncryption, 0) || minEncryption > latest)
    refuse('min_encryption_version is not an integer from 0 to latest_version')
  if (minEncryption > 0 && minDecryption > minEncryption)
    refuse('min_decryption_version is greater than min_encryption_version')
  if (!count(minAvailable, 0) || minAvailable > Math.max(minDecryption, 1))
    refuse('min_available_version is not an integer from 0 to min_decryption_version')
  const period = key['auto_rotate_period']
  if (!count(period, 0) || (period !== 0 && period < MIN_AUTO_ROTATE_PERIOD))
    refuse('auto_rotate_period must be 0 or at least an hour')

  const entries = versions as Record<string, unknown>
  for (const [version, entry] of Object.entries(entries)) {
    if (!/^[1-9]\d*$/.test(version) || Number(version) > latest || !validVersion(type, entry))
      refuse(`version ${version} is malformed`)
  }
  // Versions below min_available_version were trimmed; every later one up to latest_version must be there.
  for (let version = Math.max(minAvailable, 1); version <= latest; version++)
    if (!Object.hasOwn(entries, String(version))) refuse(`version ${version} is missing`)
  return key as unknown as TransitKey
}

/** A version entry carries the material its type needs, of the right size and kind. */
function validVersion(type: KeyType, entry: unknown): boolean {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return false
  const { key, hmac_key, private_key, time, creation_time } = entry as Record<string, unknown>
  if (typeof time !== 'number' || typeof creation_time !== 'string') return false
  const hmacKey = typeof hmac_key === 'string' ? decodeBase64(hmac_key) : undefined
  if (hmacKey === undefined || hmacKey.length === 0) return false
  if (!isAsymmetric(type)) {
    const bytes = typeof key === 'string' ? decodeBase64(key) : undefined
    if (bytes === undefined) return false
    if (isSymmetric(type)) return bytes.length === symmetricKeySize(type)
    return bytes.length >= 32 && bytes.length <= 512
  }
  if (typeof private_key !== 'string') return false
  try {
    return privateKeyMatchesType(type, crypto.createPrivateKey(private_key))
  } catch {
    return false
  }
}
