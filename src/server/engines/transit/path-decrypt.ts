// decrypt/:name and rewrap/:name: one ciphertext or a batch; rewrap re-encrypts with the latest (or a chosen) version.

import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import type { LogicalResponse } from '../../../sdk/request.ts'
import { batchItems, itemInt, itemString, requireConsistentContext, runBatch } from './batch.ts'
import { goError, optionalBase64 } from './encoding.ts'
import { type CryptOptions, decrypt, encrypt, encryptionVersion, refuseAssociatedData } from './encryption.ts'
import { requireUsableKey } from './kms-state.ts'
import type { requireKey, TransitKey } from './model.ts'
import type { TransitState } from './state.ts'

const fields = {
  name: f.string({ required: true }),
  ciphertext: f.string({ description: 'A vault:v<N>: ciphertext.' }),
  context: f.string({ description: 'Base64 context for derived keys.' }),
  nonce: f.string({ description: 'Unused: nonces travel inside the ciphertext.' }),
  associated_data: f.string({ description: 'Base64 data the ciphertext was authenticated with.' }),
  key_version: f.int({
    description: 'rewrap: the version to re-encrypt with; 0 or absent means the latest.',
  }),
  batch_input: f.any({ description: 'A list of {ciphertext, context, associated_data, reference}.' }),
  partial_failure_response_code: f.int({ description: 'The status of a batch in which some items failed.' }),
}

function itemOptions(item: Record<string, unknown>): CryptOptions {
  return {
    context: optionalBase64(itemString(item, 'context'), goError),
    associatedData: optionalBase64(
      itemString(item, 'associated_data'),
      'failed to base64-decode associated_data',
    ),
    nonce: Buffer.alloc(0),
  }
}

function itemCiphertext(item: Record<string, unknown>, missing: string): string {
  const ciphertext = itemString(item, 'ciphertext')
  if (ciphertext === undefined || ciphertext === '') throw new InvalidRequestError(missing)
  return ciphertext
}

function decryptItem(key: TransitKey, item: Record<string, unknown>, index: number): Record<string, unknown> {
  const ciphertext = itemCiphertext(item, 'missing ciphertext to decrypt')
  refuseAssociatedData(key, itemString(item, 'associated_data'), index)
  return { plaintext: decrypt(key, ciphertext, itemOptions(item)).plaintext.toString('base64') }
}

function rewrapItem(key: TransitKey, item: Record<string, unknown>): Record<string, unknown> {
  const ciphertext = itemCiphertext(item, 'missing ciphertext to decrypt')
  const options = itemOptions(item)
  const { plaintext } = decrypt(key, ciphertext, options)
  const version = encryptionVersion(key, itemInt(item, 'key_version'))
  return { ciphertext: encrypt(key, version, plaintext, options), key_version: version }
}

/** `failuresAnswer200`: rewrap, which Vault answers 200 whatever its items' errors (it has no partial code). */
function handler(
  each: (key: TransitKey, item: Record<string, unknown>, index: number) => Record<string, unknown>,
  failuresAnswer200 = false,
) {
  return async ({
    storage,
    input,
  }: {
    storage: Parameters<typeof requireKey>[0]
    input: Record<string, unknown>
  }): Promise<LogicalResponse> => {
    const key = await requireUsableKey(storage, (input['name'] as string | undefined) ?? '')
    if (input['batch_input'] !== undefined) {
      const code = failuresAnswer200
        ? undefined
        : (input['partial_failure_response_code'] as number | undefined)
      const items = requireConsistentContext(batchItems(input['batch_input']))
      return runBatch(items, (item, index) => each(key, item, index), code, failuresAnswer200)
    }
    return { data: each(key, input, 0) }
  }
}

export const decryptPath = definePath<typeof fields, TransitState>({
  pattern: 'decrypt/:name',
  fields,
  help: 'Decrypts a vault:v<N>: ciphertext; the answer is base64 plaintext.',
  operations: { update: handler(decryptItem) },
})

export const rewrapPath = definePath<typeof fields, TransitState>({
  pattern: 'rewrap/:name',
  fields,
  help: 'Re-encrypts a ciphertext with the latest key version without revealing the plaintext.',
  operations: { update: handler(rewrapItem, true) },
})
