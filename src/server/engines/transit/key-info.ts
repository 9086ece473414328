// A key as GET keys/:name shows it (Vault's shape), never including private or secret key material.
import { formatDuration } from '../../../lib/duration.ts'
import {
  isAsymmetric,
  publicKeyName,
  supportsDerivation,
  supportsEncryption,
  supportsSigning,
} from './key-types.ts'
import { liveVersions, type TransitKey } from './model.ts'
import { publicKeyText } from './signing.ts'

export function keyInfo(key: TransitKey, context?: Buffer): Record<string, unknown> {
  const keys: Record<string, unknown> = {}
  for (const [version, entry] of liveVersions(key)) {
    if (!isAsymmetric(key.type)) {
      keys[version] = entry.time
      continue
    }
    const info: Record<string, unknown> = {
      creation_time: entry.creation_time,
      name: publicKeyName(key.type),
    }
    // A derived Ed25519 key has no public key of its own: only one derived from a context.
    if (!key.derived || (context !== undefined && context.length > 0))
      info['public_key'] = publicKeyText(key, Number(version), context)
    keys[version] = info
  }
  const data: Record<string, unknown> = {
    allow_plaintext_backup: key.allow_plaintext_backup,
    auto_rotate_period: key.auto_rotate_period,
    deletion_allowed: key.deletion_allowed,
    derived: key.derived,
    exportable: key.exportable,
    imported_key: key.imported_key ?? false,
    keys,
    latest_version: key.latest_version,
    min_available_version: key.min_available_version,
    min_decryption_version: key.min_decryption_version,
    min_encryption_version: key.min_encryption_version,
    name: key.name,
    supports_decryption: supportsEncryption(key.type),
    supports_derivation: supportsDerivation(key.type),
    supports_encryption: supportsEncryption(key.type),
    supports_signing: supportsSigning(key.type),
    type: key.type,
  }
  if (key.derived) {
    data['kdf'] = key.kdf
    data['convergent_encryption'] = key.convergent_encryption
    if (key.convergent_encryption) data['convergent_encryption_version'] = key.convergent_version
  }
  if (key.type === 'hmac') data['key_size'] = key.key_size
  if (key.imported_key) data['imported_key_allow_rotation'] = key.allow_rotation ?? false
  if (key.backup_info !== undefined) data['backup_info'] = key.backup_info
  if (key.restore_info !== undefined) data['restore_info'] = key.restore_info
  return data
}

/** auto_rotate_period as text for logs and docs ("24h0m0s"); the API answers seconds, as Vault does. */
export function rotatePeriodText(key: TransitKey): string {
  return formatDuration(key.auto_rotate_period)
}
