// keys/ (LIST) and keys/:name: create, read and delete transit keys.

import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import { optionalBase64 } from './encoding.ts'
import { keyInfo } from './key-info.ts'
import { isKeyType } from './key-types.ts'
import { getOrCreateKey } from './keyring.ts'
import { refuseIfKmsKey } from './kms-state.ts'
import { KEY_PREFIX, keyStorageKey, loadKey, loadKeyShared } from './model.ts'
import type { TransitState } from './state.ts'

export const keysListPath = definePath<Record<string, never>, TransitState>({
  pattern: 'keys/',
  listKeys: 'names',
  help: 'The names of the transit keys.',
  operations: {
    list: async ({ storage }) => listResponse(await storage.list(KEY_PREFIX)),
  },
})

const fields = {
  name: f.string({ required: true, description: 'The key name.' }),
  type: f.string({ default: 'aes256-gcm96', description: 'The key type.' }),
  derived: f.bool({ default: false, description: 'Derive a key per request from a context.' }),
  convergent_encryption: f.bool({
    default: false,
    description: 'Deterministic encryption (requires derived).',
  }),
  exportable: f.bool({ default: false, description: 'Allow export of the key material.' }),
  allow_plaintext_backup: f.bool({ default: false, description: 'Allow backup/ of the key in plaintext.' }),
  auto_rotate_period: f.duration({
    default: 0,
    description: 'Rotate this often; 0 disables, else at least 1h.',
  }),
  key_size: f.int({ default: 0, description: 'Bytes of an hmac key (32 to 512; 32 by default).' }),
  context: f.string({
    description: 'Base64 context: shows the public key derived from it (derived Ed25519).',
  }),
}

export const keyPath = definePath<typeof fields, TransitState>({
  pattern: 'keys/:name',
  fields,
  help: 'Create, read or delete a transit key.',
  exists: async ({ storage, params }) => (await loadKeyShared(storage, params['name'] ?? '')) !== undefined,
  operations: {
    create: async ({ storage, state, system, input }) => {
      const type = input.type ?? 'aes256-gcm96'
      // Vault's types only: a KMS-only type (ecdsa-secp256k1) is made by KMS CreateKey alone.
      if (!isKeyType(type)) throw new InvalidRequestError(`unknown key type ${type}`)
      const { key, created } = await getOrCreateKey(
        storage,
        state,
        input.name ?? '',
        {
          type,
          derived: input.derived ?? false,
          convergent: input.convergent_encryption ?? false,
          exportable: input.exportable ?? false,
          allowPlaintextBackup: input.allow_plaintext_backup ?? false,
          autoRotatePeriod: input.auto_rotate_period ?? 0,
          keySize: input.key_size === 0 && type === 'hmac' ? 32 : (input.key_size ?? 0),
        },
        system.now(),
      )
      const response = { data: keyInfo(key) }
      return created ? response : { ...response, warnings: [`key ${key.name} already existed`] }
    },

    read: async ({ storage, input }) => {
      const key = await loadKeyShared(storage, input.name ?? '')
      if (key === undefined) return undefined
      return { data: keyInfo(key, optionalBase64(input.context, 'failed to base64-decode context')) }
    },

    delete: ({ storage, state, input }) => {
      const name = input.name ?? ''
      return state.run(keyStorageKey(name), async () => {
        const key = await loadKey(storage, name)
        if (key === undefined)
          throw new InvalidRequestError(`error deleting policy ${name}: could not delete key; not found`)
        await refuseIfKmsKey(storage, name, 'delete')
        if (!key.deletion_allowed)
          throw new InvalidRequestError(
            `error deleting policy ${name}: deletion is not allowed for this policy`,
          )
        await storage.delete(keyStorageKey(name))
        return undefined
      })
    },
  },
})
