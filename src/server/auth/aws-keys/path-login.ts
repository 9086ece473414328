// login: a SigV4-signed request (method, path, query, headers, base64 body) for a token with the key's role's policies.
import { SigV4Error, UNKNOWN_KEY, type VerifiedRequest, verifySigV4 } from '../../../lib/sigv4/index.ts'
import { AppError, InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { tokenGrant } from '../../../sdk/framework/token-params.ts'
import type { SystemView } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { accountId, assumedRoleArn, keyUserArn, roleId } from './arn.ts'
import { type AccessKeyEntry, loadAccessKey } from './key-store.ts'
import { loadRole, type RoleEntry } from './role-store.ts'
import { loadSession, SESSION_KEY_ID, type SessionEntry, sessionTokenMatches } from './session-store.ts'
import type { AwsKeysState } from './state.ts'

export const signedRequestFields = {
  method: f.string({ description: 'The HTTP method of the signed request.' }),
  path: f.string({
    description: 'The raw path of the signed request, percent-encoding intact ("/" for AWS JSON calls).',
  }),
  query: f.string({ description: 'The raw query string of the signed request, without "?".' }),
  headers: f.map({
    description:
      'The headers as received: names to a value or a list of values (Authorization, Host, X-Amz-Date…).',
    sensitive: true,
  }),
  body: f.string({ description: 'The request body, base64-encoded.', sensitive: true }),
}

/**
 * A presigned URL is made to be handed to someone else so that they can make that one call (typically to learn who
 * signed it, with GetCallerIdentity): it proves identity (the caller-identity path) but never logs in or obtains
 * credentials, or whoever holds the URL would act with the signer's policies for up to seven days.
 */
export const PRESIGNED_REFUSED =
  'AccessDenied: a presigned request only proves who signed it (GetCallerIdentity); it cannot log in or obtain credentials'

/** AWS's answer for session credentials past their expiry (botocore refreshes before it reaches this). */
const EXPIRED_TOKEN = 'ExpiredTokenException: The security token included in the request is expired'

/** The signer's stored credentials: a long-term key, or session credentials with their token and expiry. */
export type Signer =
  | { kind: 'key'; id: string; roleName: string; role: RoleEntry }
  | { kind: 'session'; id: string; roleName: string; role: RoleEntry; session: SessionEntry }

/**
 * A refused signature as a Coffer error: 403 with AWS's message, the SigV4Error as its cause so the AWS front door
 * can answer with the `__type` clients classify.
 */
export function signatureRefused(error: SigV4Error): AppError {
  return new AppError('permission_denied', 403, `${error.awsType}: ${error.message}`, { cause: error })
}

/** The headers checked in place (each a string or a list of strings) and handed on as they are, without a copy. */
function headersOf(raw: Record<string, unknown> | undefined): Record<string, string | string[]> {
  if (raw === undefined) throw new InvalidRequestError('missing headers')
  for (const name in raw) {
    if (!Object.hasOwn(raw, name)) continue
    const value = raw[name]
    if (typeof value === 'string') continue
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
      throw new InvalidRequestError(`header "${name}" must be a string or a list of strings`)
  }
  return raw as Record<string, string | string[]>
}

function bodyOf(raw: string | undefined): Buffer {
  if (raw === undefined || raw === '') return Buffer.alloc(0)
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) throw new InvalidRequestError('body must be base64')
  return Buffer.from(raw, 'base64')
}

/** The signed request a login (or session-token) verifies. */
type SignedInput = {
  method?: string
  path?: string
  query?: string
  headers?: Record<string, unknown>
  body?: string
}

/**
 * Verifies a SigV4-signed request against this mount's keys and session credentials: the signer, or a refusal as
 * AWS words it. A session's token must be the one issued with it and the session unexpired; a long-term key may not
 * carry a token.
 */
export async function verifySigner(
  storage: Storage,
  system: SystemView,
  input: SignedInput,
): Promise<{ who: Signer; verified: Awaited<ReturnType<typeof verifySigV4>> }> {
  if (!input.method) throw new InvalidRequestError('missing method')
  let signer: Signer | undefined
  let verified: Awaited<ReturnType<typeof verifySigV4>>
  const sessionSecret = async (id: string) => {
    const session = await loadSession(storage, id)
    const role = session && (await loadRole(storage, session.role))
    // Credentials from GetSessionToken go with the key that asked for them.
    const parentLive =
      session?.parentKey === undefined || (await loadAccessKey(storage, session.parentKey)) !== undefined
    if (!session || !role || !parentLive) return undefined
    signer = { kind: 'session', id, roleName: session.role, role, session }
    return session.secret
  }
  try {
    verified = await verifySigV4(
      {
        method: input.method,
        rawPath: input.path || '/',
        rawQuery: input.query ?? '',
        headers: headersOf(input.headers),
        body: bodyOf(input.body),
      },
      {
        now: () => system.now(),
        // The stored entry is read on every login, so a revoked key (or a deleted role) is refused as soon as
        // the delete has returned.
        lookupSecret: (id) => {
          if (SESSION_KEY_ID.test(id)) return sessionSecret(id)
          // Without an await when the storage holds the key and its role in memory (every call of a busy key).
          const withRole = (entry: AccessKeyEntry | undefined) => {
            if (!entry) return undefined
            const found = (role: RoleEntry | undefined) => {
              if (!role) return undefined
              signer = { kind: 'key', id, roleName: entry.role, role }
              return entry.secret
            }
            const role = loadRole(storage, entry.role)
            return role instanceof Promise ? role.then(found) : found(role)
          }
          const entry = loadAccessKey(storage, id)
          return entry instanceof Promise ? entry.then(withRole) : withRole(entry)
        },
      },
    )
  } catch (error) {
    if (error instanceof SigV4Error) throw signatureRefused(error)
    throw error
  }
  const who = signer as Signer | undefined
  if (!who) throw new InvalidRequestError('internal: no key after verification')
  if (who.kind === 'key') {
    // Long-term keys carry no session token; one sent with them is refused as AWS refuses it.
    if (verified.securityToken !== undefined)
      throw signatureRefused(new SigV4Error('UnrecognizedClientException', UNKNOWN_KEY))
    return { who, verified }
  }
  // Session credentials: the token must be the one issued with them (compared as SHA-256, in constant time),
  // checked only after the signature so that nobody without the secret learns anything about them.
  if (!sessionTokenMatches(who.session, verified.securityToken))
    throw signatureRefused(new SigV4Error('UnrecognizedClientException', UNKNOWN_KEY))
  if (who.session.expires <= system.now()) throw new AppError('permission_denied', 403, EXPIRED_TOKEN)
  return { who, verified }
}

export const loginPath = definePath<typeof signedRequestFields, AwsKeysState>({
  pattern: 'login',
  fields: signedRequestFields,
  help: 'Log in with a request signed by an access key (AWS Signature Version 4).',
  operations: {
    update: async ({ storage, system, input }) => {
      const { who, verified } = await verifySigner(storage, system, input)
      if (verified.presigned) throw new AppError('permission_denied', 403, PRESIGNED_REFUSED)
      const metadata = signerIdentity(system, who, verified)
      if (who.kind === 'key') {
        return {
          auth: {
            ...tokenGrant(who.role),
            displayName: who.id,
            metadata,
            internal: { accessKeyId: who.id },
            alias: { name: who.id, metadata: { role: who.roleName } },
          },
        }
      }
      const { session } = who
      const grant = tokenGrant(who.role)
      // The token never outlives the credentials it was obtained with.
      const remaining = Math.max(1, Math.floor((session.expires - system.now()) / 1000))
      const cap = (ttl: number) => (ttl > 0 ? Math.min(ttl, remaining) : remaining)
      return {
        auth: {
          ...grant,
          ttl: cap(grant.ttl ?? 0),
          explicitMaxTtl: cap(grant.explicitMaxTtl ?? 0),
          displayName: who.id,
          metadata,
          internal: { accessKeyId: who.id },
          alias: {
            name: `assumed-role/${who.roleName}/${session.subject ?? session.sessionName}`,
            metadata: { role: who.roleName },
          },
        },
      }
    },
  },
})

/** Who signed, as the login's metadata and GetCallerIdentity show it: the key's user, or the session's identity. */
export function signerIdentity(
  system: SystemView,
  who: Signer,
  verified: VerifiedRequest,
): Record<string, string> {
  const account = accountId(system)
  const base = {
    access_key_id: who.id,
    role: who.roleName,
    region: verified.region,
    service: verified.service,
    account_id: account,
  }
  if (who.kind === 'key') return { ...base, arn: keyUserArn(account, who.roleName), user_id: who.id }
  const { session } = who
  return {
    ...base,
    expiration: new Date(session.expires).toISOString(),
    // GetSessionToken's credentials act as the key's user; a role session as the assumed role.
    ...(session.parentKey !== undefined
      ? {
          arn: keyUserArn(account, who.roleName),
          user_id: session.parentKey,
          parent_access_key_id: session.parentKey,
        }
      : {
          arn: assumedRoleArn(account, who.roleName, session.sessionName),
          user_id: `${roleId(system.mount.uuid, who.roleName)}:${session.sessionName}`,
          role_session_name: session.sessionName,
        }),
  }
}
