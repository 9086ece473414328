// keys/:name/config, keys/:name/rotate and keys/:name/trim: a key's version bounds, flags and new versions.

import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { keyInfo } from './key-info.ts'
import { MIN_AUTO_ROTATE_PERIOD, rotate, updateKey } from './keyring.ts'
import { NEVER_LEAVES, refuseIfKmsKey } from './kms-state.ts'
import type { TransitKey } from './model.ts'
import type { TransitState } from './state.ts'

const configFields = {
  name: f.string({ required: true }),
  min_decryption_version: f.int({ description: 'Oldest version that may decrypt or verify.' }),
  min_encryption_version: f.int({
    description: 'Oldest version that may encrypt or sign; 0 means the latest.',
  }),
  deletion_allowed: f.bool({ description: 'Allow DELETE of the key.' }),
  exportable: f.bool({ description: 'Allow export; once set it cannot be unset.' }),
  allow_plaintext_backup: f.bool({ description: 'Allow plaintext backup; once set it cannot be unset.' }),
  auto_rotate_period: f.duration({ description: 'Rotate this often; 0 disables, else at least 1h.' }),
}

type ConfigInput = { [K in keyof typeof configFields]?: ReturnType<(typeof configFields)[K]['parse']> }

/** Applies a config request with Vault's checks and messages; returns the changed key and any warnings. */
export function applyConfig(key: TransitKey, input: ConfigInput, warnings: string[]): TransitKey {
  const next = { ...key }
  if (input.min_decryption_version !== undefined) {
    let min = input.min_decryption_version
    if (min < 0) throw new InvalidRequestError('min decryption version cannot be negative')
    if (min === 0) {
      min = 1
      warnings.push('since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1')
    }
    if (min > next.latest_version)
      throw new InvalidRequestError(
        `cannot set min decryption version of ${min}, latest key version is ${next.latest_version}`,
      )
    if (min < next.min_available_version)
      throw new InvalidRequestError(
        `cannot set min decryption version of ${min} below the min available version ${next.min_available_version}`,
      )
    next.min_decryption_version = min
  }
  if (input.min_encryption_version !== undefined) {
    const min = input.min_encryption_version
    if (min < 0) throw new InvalidRequestError('min encryption version cannot be negative')
    if (min > next.latest_version)
      throw new InvalidRequestError(
        `cannot set min encryption version of ${min}, latest key version is ${next.latest_version}`,
      )
    next.min_encryption_version = min
  }
  if (next.min_encryption_version > 0 && next.min_decryption_version > next.min_encryption_version)
    throw new InvalidRequestError('min decryption version should not be greater than min encryption version')
  if (input.deletion_allowed !== undefined) next.deletion_allowed = input.deletion_allowed
  if (input.exportable !== undefined) {
    if (next.exportable && !input.exportable)
      throw new InvalidRequestError('exportable keys cannot be made non-exportable')
    next.exportable = input.exportable
  }
  if (input.allow_plaintext_backup !== undefined) {
    if (next.allow_plaintext_backup && !input.allow_plaintext_backup)
      throw new InvalidRequestError('plaintext backup cannot be disabled once allowed')
    next.allow_plaintext_backup = input.allow_plaintext_backup
  }
  if (input.auto_rotate_period !== undefined) {
    const period = input.auto_rotate_period
    if (period !== 0 && (period < MIN_AUTO_ROTATE_PERIOD || period < 0))
      throw new InvalidRequestError('auto rotate period must be 0 to disable or at least an hour')
    next.auto_rotate_period = period
  }
  return next
}

export const keyConfigPath = definePath<typeof configFields, TransitState>({
  pattern: 'keys/:name/config',
  fields: configFields,
  help: "A key's minimum versions, deletion, export and backup flags and rotation period.",
  operations: {
    update: async ({ storage, state, input }) => {
      if (input.exportable === true || input.allow_plaintext_backup === true)
        await refuseIfKmsKey(storage, input.name ?? '', 'make exportable', NEVER_LEAVES)
      const warnings: string[] = []
      const key = await updateKey(storage, state, input.name ?? '', (key) =>
        applyConfig(key, input, warnings),
      )
      return warnings.length > 0 ? { data: keyInfo(key), warnings } : { data: keyInfo(key) }
    },
  },
})

const nameOnly = { name: f.string({ required: true }) }

export const keyRotatePath = definePath<typeof nameOnly, TransitState>({
  pattern: 'keys/:name/rotate',
  fields: nameOnly,
  help: 'Adds a new version of the key; later encryptions and signatures use it.',
  operations: {
    update: async ({ storage, state, system, input }) => {
      const key = await updateKey(
        storage,
        state,
        input.name ?? '',
        (key) => rotate(key, system.now()),
        'key not found',
      )
      return { data: keyInfo(key) }
    },
  },
})

const trimFields = {
  name: f.string({ required: true }),
  min_available_version: f.int({
    required: true,
    description: 'Versions below this one are deleted for good.',
  }),
}

/** Vault's preconditions for trimming, in its order and wording. */
function trim(key: TransitKey, min: number): TransitKey {
  if (min < key.min_available_version)
    throw new InvalidRequestError('minimum available version cannot be decremented')
  if (key.min_encryption_version === 0)
    throw new InvalidRequestError(
      'minimum available version cannot be set when minimum encryption version is not set',
    )
  if (key.min_decryption_version === 0)
    throw new InvalidRequestError(
      'minimum available version cannot be set when minimum decryption version is not set',
    )
  if (min > key.min_encryption_version)
    throw new InvalidRequestError(
      'minimum available version cannot be greater than minmum encryption version',
    )
  if (min > key.min_decryption_version)
    throw new InvalidRequestError(
      'minimum available version cannot be greater than minimum decryption version',
    )
  if (min < 0) throw new InvalidRequestError('minimum available version cannot be negative')
  // 0 would keep every version while recording a trim that never happened.
  if (min === 0) throw new InvalidRequestError('minimum available version should be positive')
  const versions = Object.fromEntries(
    Object.entries(key.versions).filter(([version]) => Number(version) >= min),
  )
  return { ...key, min_available_version: min, versions }
}

export const keyTrimPath = definePath<typeof trimFields, TransitState>({
  pattern: 'keys/:name/trim',
  fields: trimFields,
  help: 'Deletes the versions below min_available_version for good.',
  operations: {
    update: async ({ storage, state, input }) => {
      await refuseIfKmsKey(storage, input.name ?? '', 'trim')
      const key = await updateKey(storage, state, input.name ?? '', (key) =>
        trim(key, input.min_available_version ?? 0),
      )
      return { data: keyInfo(key) }
    },
  },
})
