// wrapping_key, keys/:name/import and keys/:name/import_version: bring your own key material (Vault's BYOK).
import crypto from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { requireBase64 } from './encoding.ts'
import { isKeyType, isSymmetric, type KeyType, privateKeyMatchesType, symmetricKeySize } from './key-types.ts'
import { checkKeyName, MIN_AUTO_ROTATE_PERIOD, updateKey } from './keyring.ts'
import { parseLegacyPkcs8 } from './legacy-pkcs8.ts'
import { type KeyVersion, keyStorageKey, loadKey, saveKey, type TransitKey } from './model.ts'
import type { TransitState } from './state.ts'
import { unwrapImport, wrappingKey, wrappingPublicKey } from './wrapping-key.ts'

export const wrappingKeyPath = definePath<Record<string, never>, TransitState>({
  pattern: 'wrapping_key',
  help: 'The public half of the RSA-4096 key that wraps key material for import.',
  operations: {
    read: async ({ storage, state }) => ({
      data: { public_key: wrappingPublicKey(await wrappingKey(storage, state)) },
    }),
  },
})

/** A version from unwrapped material: raw bytes for symmetric and hmac keys, PKCS#8 DER for asymmetric ones. */
function importedVersion(type: KeyType, material: Buffer, now: number): KeyVersion {
  const base = { time: Math.floor(now / 1000), creation_time: new Date(now).toISOString() }
  const size =
    type === 'hmac'
      ? material.length >= 32 && material.length <= 512
      : isSymmetric(type)
        ? material.length === symmetricKeySize(type)
        : true
  if (!size)
    throw new InvalidRequestError(
      `error importing key: invalid key size ${material.length} bytes for key type ${type}`,
    )
  if (type === 'hmac')
    return { ...base, key: material.toString('base64'), hmac_key: material.toString('base64') }
  const hmac_key = crypto.randomBytes(32).toString('base64')
  if (isSymmetric(type)) return { ...base, key: material.toString('base64'), hmac_key }
  let privateKey: crypto.KeyObject | undefined
  try {
    privateKey = crypto.createPrivateKey({ key: material, format: 'der', type: 'pkcs8' })
  } catch {
    privateKey = undefined
  }
  // As Vault: an NSS-style Ed25519 key (which the standard parser refuses) and an RSA-PSS key (which Node keeps as
  // rsa-pss, unable to encrypt) are read by their own rules.
  if (privateKey === undefined || privateKey.asymmetricKeyType === 'rsa-pss')
    privateKey = parseLegacyPkcs8(material)
  if (privateKey === undefined)
    throw new InvalidRequestError(
      'error importing key: error parsing asymmetric key: the key material must be PKCS#8 DER',
    )
  if (!privateKeyMatchesType(type, privateKey))
    throw new InvalidRequestError(`error importing key: the imported key does not match the key type ${type}`)
  return { ...base, hmac_key, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }
}

const EXISTING =
  'the import path cannot be used with an existing key; use import-version to rotate an existing imported key'

const importFields = {
  name: f.string({ required: true }),
  ciphertext: f.string({
    sensitive: true,
    description: 'base64(RSA-OAEP(ephemeral AES key) | AES-KWP(key material)).',
  }),
  hash_function: f.string({
    default: 'SHA256',
    description: 'The OAEP hash: SHA1, SHA224, SHA256 (default), SHA384, SHA512.',
  }),
  type: f.string({ default: 'aes256-gcm96', description: 'The key type.' }),
  allow_rotation: f.bool({ default: false, description: 'Allow rotation to server-generated material.' }),
  derived: f.bool({ default: false }),
  exportable: f.bool({ default: false }),
  allow_plaintext_backup: f.bool({ default: false }),
  auto_rotate_period: f.duration({ default: 0 }),
  convergent_encryption: f.bool({
    description: 'Refused when given at all: imported keys are never convergent.',
  }),
}

export const importPath = definePath<typeof importFields, TransitState>({
  pattern: 'keys/:name/import',
  fields: importFields,
  help: 'Creates a key from wrapped key material (see wrapping_key).',
  operations: {
    update: async ({ storage, state, system, input }) => {
      const name = input.name ?? ''
      checkKeyName(name)
      // Vault's checks, in its order and words.
      if (input.convergent_encryption !== undefined)
        throw new InvalidRequestError('import cannot be used on keys with convergent encryption enabled')
      const period = input.auto_rotate_period ?? 0
      if (period > 0 && !input.allow_rotation)
        throw new InvalidRequestError('allow_rotation must be set to true if auto-rotation is enabled')
      if (period !== 0 && period < MIN_AUTO_ROTATE_PERIOD)
        throw new InvalidRequestError('auto rotate period must be 0 to disable or at least an hour')
      const type = (input.type ?? 'aes256-gcm96').toLowerCase()
      if (!isKeyType(type)) throw new InvalidRequestError(`unknown key type: ${input.type}`)
      if (input.derived && !isSymmetric(type) && type !== 'ed25519')
        throw new InvalidRequestError(`key derivation not supported for keys of type ${type}`)
      if ((await loadKey(storage, name)) !== undefined) throw new InvalidRequestError(EXISTING)
      if (input.ciphertext === undefined || input.ciphertext === '')
        throw new InvalidRequestError('ciphertext must be provided to import a key')
      const blob = requireBase64(input.ciphertext, 'error decoding ciphertext: not base64')
      const material = unwrapImport(await wrappingKey(storage, state), blob, input.hash_function ?? 'SHA256')
      const first = importedVersion(type, material, system.now())
      await state.run(keyStorageKey(name), async () => {
        if ((await loadKey(storage, name)) !== undefined) throw new InvalidRequestError(EXISTING)
        const key: TransitKey = {
          name,
          type,
          derived: input.derived ?? false,
          kdf: 'hkdf_sha256',
          convergent_encryption: false,
          convergent_version: 0,
          exportable: input.exportable ?? false,
          allow_plaintext_backup: input.allow_plaintext_backup ?? false,
          deletion_allowed: false,
          auto_rotate_period: period,
          key_size: type === 'hmac' ? material.length : 0,
          latest_version: 1,
          min_decryption_version: 1,
          min_encryption_version: 0,
          min_available_version: 0,
          imported_key: true,
          allow_rotation: input.allow_rotation ?? false,
          versions: { '1': first },
        }
        await saveKey(storage, key)
        state.rescheduleRotation()
      })
      return undefined
    },
  },
})

const importVersionFields = {
  name: f.string({ required: true }),
  ciphertext: f.string({ sensitive: true, description: 'As for import.' }),
  hash_function: f.string({ default: 'SHA256' }),
}

export const importVersionPath = definePath<typeof importVersionFields, TransitState>({
  pattern: 'keys/:name/import_version',
  fields: importVersionFields,
  help: 'Adds a new version of an imported key from wrapped key material.',
  operations: {
    update: async ({ storage, state, system, input }) => {
      if (input.ciphertext === undefined || input.ciphertext === '')
        throw new InvalidRequestError('ciphertext must be provided to import a key')
      const blob = requireBase64(input.ciphertext, 'error decoding ciphertext: not base64')
      const privateKey = await wrappingKey(storage, state)
      const name = input.name ?? ''
      await updateKey(
        storage,
        state,
        name,
        (key) => {
          if (!key.imported_key)
            throw new InvalidRequestError('the import_version endpoint can only be used with an imported key')
          const material = unwrapImport(privateKey, blob, input.hash_function ?? 'SHA256')
          const version = key.latest_version + 1
          const entry = importedVersion(key.type, material, system.now())
          return { ...key, latest_version: version, versions: { ...key.versions, [String(version)]: entry } }
        },
        `no key found with name ${name}; to import a new key, use the import/ endpoint`,
      )
      return undefined
    },
  },
})
