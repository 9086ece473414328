// caller-identity: who signed a SigV4 request (header-signed or presigned), without logging in: STS GetCallerIdentity.
import { definePath } from '../../../sdk/framework/backend.ts'
import { signedRequestFields, signerIdentity, verifySigner } from './path-login.ts'
import type { AwsKeysState } from './state.ts'

/**
 * Answers the signer's identity (user ID, account, ARN) and mints nothing, so it is the one path a presigned request
 * is good for: handing someone a presigned GetCallerIdentity URL lets them learn who signed it, never act as them.
 */
export const callerIdentityPath = definePath<typeof signedRequestFields, AwsKeysState>({
  pattern: 'caller-identity',
  fields: signedRequestFields,
  help: 'Who signed a SigV4-signed (or presigned) request, as STS GetCallerIdentity answers; no token is issued.',
  operations: {
    update: async ({ storage, system, input }) => {
      const { who, verified } = await verifySigner(storage, system, input)
      return { data: signerIdentity(system, who, verified) }
    },
  },
})
