// session-token (no token needed; the signature is the credential): STS GetSessionToken. A request signed with a
// long-term key gets session credentials for the key's role, acting as the key's user and revoked with the key.
import { AppError, InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { issueSession } from './issue-session.ts'
import { PRESIGNED_REFUSED, signedRequestFields, verifySigner } from './path-login.ts'
import { DEFAULT_MAX_SESSION_DURATION, MIN_SESSION_DURATION } from './role-store.ts'
import type { AwsKeysState } from './state.ts'

/** AWS's bounds and default of GetSessionToken's DurationSeconds (36 hours, 12 hours). */
export const MAX_SESSION_TOKEN_DURATION = 129600
export const DEFAULT_SESSION_TOKEN_DURATION = 43200

const fields = {
  ...signedRequestFields,
  duration_seconds: f.int({
    description:
      'How long the credentials last: 900 to 129600 (default 43200), capped at the role’s max_session_duration.',
  }),
}

export const sessionTokenPath = definePath<typeof fields, AwsKeysState>({
  pattern: 'session-token',
  fields,
  help: 'GetSessionToken: session credentials (CSIA…) for the role of the long-term key that signed the request.',
  operations: {
    update: async ({ storage, state, system, input }) => {
      const duration = input.duration_seconds ?? DEFAULT_SESSION_TOKEN_DURATION
      if (duration < MIN_SESSION_DURATION || duration > MAX_SESSION_TOKEN_DURATION)
        throw new InvalidRequestError('duration_seconds must be between 900 and 129600')
      const { who, verified } = await verifySigner(storage, system, input)
      if (verified.presigned) throw new AppError('permission_denied', 403, PRESIGNED_REFUSED)
      // As AWS: temporary credentials cannot make more of themselves.
      if (who.kind !== 'key')
        throw new AppError(
          'permission_denied',
          403,
          'AccessDenied: Cannot call GetSessionToken with session credentials',
        )
      const keyId = who.id
      return state.locks.run(`role:${who.roleName}`, async () => {
        // A role has no IAM user's 36 hours: its max_session_duration bounds every session of it.
        const cap = who.role.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION
        return {
          data: await issueSession(storage, system, {
            role: who.roleName,
            sessionName: keyId,
            durationSeconds: Math.min(duration, cap),
            parentKey: keyId,
            issuedTo: keyId,
          }),
        }
      })
    },
  },
})
