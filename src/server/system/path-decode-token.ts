// sys/decode-token: undo the OTP encoding of a root token generate-root handed out (Vault's UI calls it).
import { decodeRootToken } from '../../lib/root-token-otp.ts'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'

/** Unauthenticated, as in Vault: whoever holds the encoded token and its OTP already holds the root token. */
export const DECODE_TOKEN_UNAUTHENTICATED_PATHS = ['decode-token']

export function decodeTokenPaths() {
  return [
    definePath({
      pattern: 'decode-token',
      fields: {
        encoded_token: f.string({ description: 'The encoded token a completed generate-root returned.' }),
        otp: f.string({ description: 'The OTP of the same generate-root attempt.' }),
      },
      help: 'Decode an OTP-encoded root token.',
      operations: {
        update: async ({ input }) => {
          const encoded = input.encoded_token ?? ''
          const otp = input.otp ?? ''
          if (encoded === '' || otp === '')
            throw new InvalidRequestError("provided 'encoded_token' or 'otp' is empty")
          let token: string
          try {
            token = decodeRootToken(encoded, otp)
          } catch {
            // The decoder's own reasons are fine to show, but this text names neither value, whatever changes there.
            throw new InvalidRequestError(
              'the encoded token could not be decoded with this OTP: both must come from the same attempt',
            )
          }
          return { data: { token } }
        },
      },
    }),
  ]
}
