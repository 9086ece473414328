// Session credentials: issue a temporary key pair and session token for a role (what STS hands a web identity),
// list, read and revoke them.
import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import { issueSession } from './issue-session.ts'
import {
  DEFAULT_MAX_SESSION_DURATION,
  loadRole,
  MAX_SESSION_DURATION,
  MIN_SESSION_DURATION,
  normalizeRoleName,
} from './role-store.ts'
import { listSessions, loadSession, sessionPath } from './session-store.ts'
import type { AwsKeysState } from './state.ts'

/** AWS's RoleSessionName: 2 to 64 of letters, digits and `_+=,.@-`. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/

const issueFields = {
  name: f.string({ description: 'Name of the role.' }),
  role_session_name: f.string({ description: 'The session name (2-64 of A-Z a-z 0-9 _+=,.@-).' }),
  duration_seconds: f.int({
    description: 'How long the credentials last: 900 to the role’s max_session_duration.',
  }),
  subject: f.string({
    description: 'Optional: who they are for (STS passes the web identity token’s subject).',
  }),
}

export const issueSessionPath = definePath<typeof issueFields, AwsKeysState>({
  pattern: 'role/:name/session',
  fields: issueFields,
  help: 'Issue temporary credentials for the role: access key ID (CSIA…), secret and session token, shown once.',
  operations: {
    update: ({ storage, state, system, input, request }) => {
      const name = normalizeRoleName(input.name)
      const sessionName = input.role_session_name ?? ''
      if (!SESSION_NAME.test(sessionName))
        throw new InvalidRequestError(
          'role_session_name must be 2 to 64 characters of letters, digits and _+=,.@-',
        )
      const duration = input.duration_seconds ?? DEFAULT_MAX_SESSION_DURATION
      if (duration < MIN_SESSION_DURATION || duration > MAX_SESSION_DURATION)
        throw new InvalidRequestError('duration_seconds must be between 900 and 43200')
      return state.locks.run(`role:${name}`, async () => {
        const role = await loadRole(storage, name)
        // As STS answers for a role that is missing: the caller learns nothing more than "not allowed".
        if (!role) throw new PermissionDeniedError()
        if (duration > (role.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION))
          throw new InvalidRequestError(
            'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
          )
        return {
          data: await issueSession(storage, system, {
            role: name,
            sessionName,
            durationSeconds: duration,
            subject: input.subject,
            issuedTo: request.caller?.displayName,
          }),
        }
      })
    },
  },
})

export const sessionListPath = definePath<Record<string, never>, AwsKeysState>({
  pattern: 'session/',
  listKeys: 'names',
  help: 'List the access key IDs of the session credentials of this mount (expired ones until they are swept).',
  operations: {
    list: async ({ storage }) => listResponse(await listSessions(storage)),
  },
})

const keyFields = { access_key_id: f.string({ description: 'The session access key ID (CSIA…).' }) }

export const sessionPathDef = definePath<typeof keyFields, AwsKeysState>({
  pattern: 'session/:access_key_id',
  fields: keyFields,
  help: 'Session credentials: read their role, session name and expiry (never the secret or token), or revoke them.',
  operations: {
    read: async ({ storage, input }) => {
      const entry = await loadSession(storage, input.access_key_id ?? '')
      if (!entry) return undefined
      return {
        data: {
          access_key_id: input.access_key_id,
          role: entry.role,
          role_session_name: entry.sessionName,
          subject: entry.subject ?? '',
          issued_to: entry.issuedTo ?? '',
          creation_time: new Date(entry.created).toISOString(),
          expiration: new Date(entry.expires).toISOString(),
        },
      }
    },

    // Once this returns, a request signed with the credentials is refused: logins read the stored entry.
    delete: ({ storage, state, input }) => {
      const id = input.access_key_id ?? ''
      return state.locks.run(`key:${id}`, async () => {
        if (await loadSession(storage, id)) await storage.delete(sessionPath(id))
        return undefined
      })
    },
  },
})
