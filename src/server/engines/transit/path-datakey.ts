// datakey/plaintext|wrapped/:name: a fresh random key, returned wrapped by the named key (and in clear for "plaintext").
import crypto from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { optionalBase64 } from './encoding.ts'
import { encrypt, encryptionVersion, refuseAssociatedData } from './encryption.ts'
import { requireUsableKey } from './kms-state.ts'
import type { TransitState } from './state.ts'

const fields = {
  plaintext: f.string({ required: true, description: '"plaintext" or "wrapped".' }),
  name: f.string({ required: true }),
  context: f.string({ description: 'Base64 context for derived keys.' }),
  nonce: f.string({ description: 'Refused: keys created here derive convergent nonces.' }),
  bits: f.int({ default: 256, description: 'Bits of the data key: 128, 256 or 512.' }),
  key_version: f.int({ description: 'The version to wrap with; 0 or absent means the latest.' }),
  associated_data: f.string({ description: 'Base64 data authenticated with the wrapped key.' }),
}

export const datakeyPath = definePath<typeof fields, TransitState>({
  pattern: 'datakey/:plaintext/:name',
  fields,
  help: 'Generates a data key wrapped by the named key.',
  operations: {
    update: async ({ storage, input }) => {
      const kind = input.plaintext
      if (kind !== 'plaintext' && kind !== 'wrapped')
        throw new InvalidRequestError(`Invalid path, must be 'plaintext' or 'wrapped'`)
      const context = optionalBase64(input.context, 'failed to base64-decode context')
      // Vault's order: the key is looked up before bits are checked.
      const key = await requireUsableKey(storage, input.name ?? '', 'encryption key not found')
      const bits = input.bits ?? 256
      if (bits !== 128 && bits !== 256 && bits !== 512) throw new InvalidRequestError('invalid bit length')
      refuseAssociatedData(key, input.associated_data, null)
      const dataKey = crypto.randomBytes(bits / 8)
      const version = encryptionVersion(key, input.key_version)
      const ciphertext = encrypt(key, version, dataKey, {
        context,
        nonce: optionalBase64(input.nonce, 'failed to base64-decode nonce'),
        associatedData: optionalBase64(input.associated_data, 'failed to base64-decode associated_data'),
      })
      const data: Record<string, unknown> = { ciphertext, key_version: version }
      if (kind === 'plaintext') data['plaintext'] = dataKey.toString('base64')
      return { data }
    },
  },
})
