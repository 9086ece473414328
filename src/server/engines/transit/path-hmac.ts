// hmac/:name[/:algorithm]: HMACs of base64 input with a key version's HMAC key.

import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { batchItems, itemString, runBatch } from './batch.ts'
import { inputError, requireBase64 } from './encoding.ts'
import { computeHmac } from './hmac.ts'
import { requireUsableKey } from './kms-state.ts'
import type { TransitState } from './state.ts'

const fields = {
  name: f.string({ required: true }),
  urlalgorithm: f.string({ description: 'The hash algorithm, in the path.' }),
  algorithm: f.string({ default: 'sha2-256', description: 'The hash algorithm.' }),
  input: f.string({ description: 'Base64 input.' }),
  key_version: f.int({ description: 'The version to use; 0 or absent means the latest.' }),
  batch_input: f.any({ description: 'A list of {input, reference}.' }),
}

export const hmacPath = definePath<typeof fields, TransitState>({
  pattern: 'hmac/:name',
  fields,
  help: 'Computes an HMAC of base64 input with the named key.',
  operations: {
    update: async ({ storage, input }) => {
      const key = await requireUsableKey(storage, input.name ?? '', 'encryption key not found')
      const algorithm = input.urlalgorithm || input.algorithm || 'sha2-256'
      let version = input.key_version ?? 0
      if (version === 0) version = key.latest_version
      if (version < 0 || version > key.latest_version) throw new InvalidRequestError('invalid key version')
      if (key.min_encryption_version > 0 && version < key.min_encryption_version)
        throw new InvalidRequestError('cannot generate HMAC: version is too old (disallowed by policy)')
      const each = (item: Record<string, unknown>) => {
        // As Vault: an item with no input is that item's error, while an empty input is HMACed.
        const raw = itemString(item, 'input')
        if (raw === undefined) throw new InvalidRequestError('missing input for HMAC')
        const bytes = requireBase64(raw, inputError)
        return { hmac: computeHmac(key, version, algorithm, bytes) }
      }
      if (input.batch_input !== undefined)
        return runBatch(batchItems(input.batch_input), each, undefined, true)
      if (input.input === undefined) throw new InvalidRequestError('missing input for HMAC')
      return { data: each(input) }
    },
  },
})

export const hmacAlgorithmPath = definePath<typeof fields, TransitState>({
  ...hmacPath,
  pattern: 'hmac/:name/:urlalgorithm',
})
