// encrypt/:name: one plaintext or a batch, creating the key on first use when the caller may create it (Vault's upsert).

import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { batchItems, itemInt, itemString, requireConsistentContext, runBatch } from './batch.ts'
import { goError, optionalBase64, requireBase64 } from './encoding.ts'
import { encrypt, encryptionVersion, refuseAssociatedData } from './encryption.ts'
import { getOrCreateKey } from './keyring.ts'
import { requireUsableKey } from './kms-state.ts'
import { loadKeyShared, type TransitKey } from './model.ts'
import type { TransitState } from './state.ts'

const fields = {
  name: f.string({ required: true }),
  plaintext: f.string({ sensitive: true, description: 'Base64 plaintext.' }),
  context: f.string({ description: 'Base64 context for derived keys.' }),
  nonce: f.string({
    description: 'Refused: keys created here use convergent version 3, which derives the nonce.',
  }),
  associated_data: f.string({ description: 'Base64 data authenticated but not encrypted (AEAD types).' }),
  key_version: f.int({ description: 'The version to encrypt with; 0 or absent means the latest.' }),
  type: f.string({ default: 'aes256-gcm96', description: 'The type of a key created by this request.' }),
  convergent_encryption: f.bool({
    default: false,
    description: 'Whether a key created by this request is convergent.',
  }),
  batch_input: f.any({
    description: 'A list of {plaintext, context, nonce, associated_data, key_version, reference}.',
  }),
  partial_failure_response_code: f.int({ description: 'The status of a batch in which some items failed.' }),
}

/** One item's ciphertext, from the base64 strings of its fields. */
export function encryptItem(
  key: TransitKey,
  item: Record<string, unknown>,
  index = 0,
): Record<string, unknown> {
  const plaintextText = itemString(item, 'plaintext')
  if (plaintextText === undefined) throw new InvalidRequestError('missing plaintext to encrypt')
  const plaintext = requireBase64(plaintextText, goError)
  const context = optionalBase64(itemString(item, 'context'), goError)
  refuseAssociatedData(key, itemString(item, 'associated_data'), index)
  const nonce = optionalBase64(itemString(item, 'nonce'), 'failed to base64-decode nonce')
  const associatedData = optionalBase64(
    itemString(item, 'associated_data'),
    'failed to base64-decode associated_data',
  )
  const version = encryptionVersion(key, itemInt(item, 'key_version'))
  return {
    ciphertext: encrypt(key, version, plaintext, { context, nonce, associatedData }),
    key_version: version,
  }
}

/** Vault upserts only symmetric keys: it names ECDSA types as unsupported here and every other type as unknown. */
function upsertType(type: string): string {
  if (type === 'aes128-gcm96' || type === 'aes256-gcm96' || type === 'chacha20-poly1305') return type
  if (type === 'ecdsa-p256' || type === 'ecdsa-p384' || type === 'ecdsa-p521')
    throw new InvalidRequestError(`key type ${type} not supported for this operation`)
  throw new InvalidRequestError(`unknown key type ${type}`)
}

export const encryptPath = definePath<typeof fields, TransitState>({
  pattern: 'encrypt/:name',
  fields,
  help: 'Encrypts base64 plaintext with the named key; the answer is a vault:v<N>: ciphertext.',
  exists: async ({ storage, params }) => (await loadKeyShared(storage, params['name'] ?? '')) !== undefined,
  operations: {
    create: async (ctx) => {
      const { input, storage, state, system } = ctx
      const items =
        input.batch_input === undefined ? undefined : requireConsistentContext(batchItems(input.batch_input))
      const firstContext = items === undefined ? input.context : itemString(items[0] ?? {}, 'context')
      const derived = firstContext !== undefined && firstContext !== ''
      const type = upsertType(input.type ?? 'aes256-gcm96')
      if (input.convergent_encryption === true && !derived)
        throw new InvalidRequestError(
          'convergent encryption requires derivation to be enabled, so context is required',
        )
      const { key } = await getOrCreateKey(
        storage,
        state,
        input.name ?? '',
        {
          type,
          derived,
          convergent: input.convergent_encryption ?? false,
          exportable: false,
          allowPlaintextBackup: false,
          autoRotatePeriod: 0,
          keySize: 0,
        },
        system.now(),
      )
      return respond(key, input, items)
    },
    update: async ({ input, storage }) => {
      const items =
        input.batch_input === undefined ? undefined : requireConsistentContext(batchItems(input.batch_input))
      return respond(await requireUsableKey(storage, input.name ?? ''), input, items)
    },
  },
})

function respond(
  key: TransitKey,
  input: Record<string, unknown>,
  items: Record<string, unknown>[] | undefined,
): ReturnType<typeof runBatch> {
  if (items !== undefined)
    return runBatch(
      items,
      (item, index) => encryptItem(key, item, index),
      input['partial_failure_response_code'] as number | undefined,
    )
  return { data: encryptItem(key, input) }
}
