// One audited request as the anomaly detector sees it: who, what, from where, and how it ended (no secret values).
import type { AuditAuth, AuditEntry } from '../../audit/entry.ts'

/** Who made a request, as an anomaly names them (the API's `identity`). */
export interface AnomalyIdentity {
  entity_id: string
  display_name: string
  role?: string
  access_key_id?: string
  auth_method: string
}

export interface Observation {
  /** Unix ms. */
  time: number
  /** The key baselines are kept under: the entity, else the token's display name, else the client address. */
  key: string
  identity: AnomalyIdentity
  /** Whether the caller is known (a token or a login's grant) rather than only an address. */
  known: boolean
  /** The calling token's accessor, when it resolved. */
  accessor: string
  /** The full request path (mount included). */
  path: string
  /** The path's mount, with its trailing slash ('' when unknown). */
  mount: string
  operation: string
  remote: string
  /** Refused (permission denied, a failed login, a token that did not resolve). */
  denied: boolean
  /** Ended with an error of any kind. */
  failed: boolean
  root: boolean
  /** The presented token under the detector's own key ('' when none was presented); never the token itself. */
  tokenKey: string
  /** A token was presented and did not resolve (revoked, expired or unknown). */
  unresolved: boolean
  /** An explicit token revocation this request made: by accessor, by token (its key) or of itself. */
  revokes?: { accessor?: string; tokenKey?: string }
}

/** Known auth method types, longest first, to read the method off a display name ("userpass-ann", "aws-keys-app"). */
const METHODS = ['aws-keys', 'kubernetes', 'userpass', 'approle', 'oidc', 'cert', 'jwt', 'token', 'root']

function authMethod(auth: AuditAuth): string {
  const name = auth.display_name ?? ''
  if (auth.policies?.includes('root') && name === 'root') return 'token'
  for (const method of METHODS) if (name === method || name.startsWith(`${method}-`)) return method
  return 'token'
}

/** Login paths of auth methods (auth/<mount>/login, auth/<mount>/login/<name>). */
const LOGIN = /^auth\/.+\/login(?:\/|$)/

const DENIED =
  /permission denied|invalid (?:username|password|credentials|token|role|secret|login)|unauthori[sz]ed|forbidden|locked|not authorized/i

/**
 * The observation for an audit entry, or undefined for entries the detector skips: a change's request entry (its
 * response entry follows). A refused request has only its request entry, so that one is taken. `tokenKey` maps a
 * presented token to the detector's keyed hash.
 */
export function observe(
  entry: AuditEntry,
  tokenKey: (token: string) => string,
  now: number,
): Observation | undefined {
  if (entry.type === 'request' && entry.error === undefined) return undefined
  const req = entry.request
  if (!req) return undefined
  const caller = entry.auth
  // A login's caller has no token: the identity is the one its grant names (response.auth).
  const who = caller?.display_name || caller?.entity_id ? caller : entry.response?.auth
  const presented = req.client_token ?? ''
  const accessor = caller?.accessor ?? req.client_token_accessor ?? ''
  const remote = req.remote_address ?? ''
  const error = entry.error
  // A client may send a stale token header along with a login: the login does not use it, so it is not counted.
  const unresolved = presented !== '' && accessor === '' && !LOGIN.test(req.path ?? '')
  const metadata = who?.metadata ?? {}
  const identity: AnomalyIdentity = {
    entity_id: who?.entity_id ?? '',
    display_name: who?.display_name ?? '',
    auth_method: who ? authMethod(who) : 'none',
  }
  const role = metadata['role'] ?? metadata['role_name']
  if (role) identity.role = role
  if (metadata['access_key_id']) identity.access_key_id = metadata['access_key_id']
  const known = who !== undefined && (identity.entity_id !== '' || identity.display_name !== '')
  const key = identity.entity_id
    ? `e:${identity.entity_id}`
    : identity.display_name
      ? `n:${identity.display_name}`
      : `a:${remote}`
  const time = entry.time ? Date.parse(entry.time) : Number.NaN
  const obs: Observation = {
    time: Number.isFinite(time) ? time : now,
    key,
    identity,
    known,
    accessor,
    path: req.path ?? '',
    mount: req.mount_point ?? '',
    operation: req.operation ?? '',
    remote,
    denied: error !== undefined && (entry.type === 'request' || unresolved || DENIED.test(error)),
    failed: error !== undefined,
    root:
      (caller?.policies?.includes('root') ?? false) || (caller?.token_policies?.includes('root') ?? false),
    tokenKey: presented === '' ? '' : tokenKey(presented),
    unresolved,
  }
  if (error === undefined && obs.mount === 'auth/token/') {
    const data = req.data ?? {}
    const op = obs.path.slice('auth/token/'.length)
    if (op === 'revoke-accessor' && typeof data['accessor'] === 'string')
      obs.revokes = { accessor: data['accessor'] }
    else if ((op === 'revoke' || op === 'revoke-orphan') && typeof data['token'] === 'string')
      obs.revokes = { tokenKey: tokenKey(data['token']) }
    else if (op === 'revoke-self' && obs.tokenKey !== '') obs.revokes = { tokenKey: obs.tokenKey, accessor }
  }
  return obs
}
