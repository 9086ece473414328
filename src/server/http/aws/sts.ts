// STS through the pipeline: AssumeRoleWithWebIdentity (a web identity login, then session credentials from
// aws-keys) and GetCallerIdentity (a SigV4 login that says who signed).
import { isPresignedQuery } from '../../../lib/sigv4/index.ts'
import { AwsError } from '../../../sdk/aws-error.ts'
import { AWS_TARGET_HEADER } from '../../../sdk/aws-secretsmanager-routes.ts'
import { isAppError } from '../../../sdk/errors.ts'
import type { RequestCore } from '../../core/handle-request.ts'
import { handleRequest } from '../../core/handle-request.ts'
import type { CoreResponse, LogicalRequest } from '../../core/logical-request.ts'
import type { HttpRequest, HttpResult } from '../http-types.ts'
import { header } from '../parse-request.ts'
import { queryResult, type XmlFields } from './query-render.ts'
import { refuseMfa, refuseSessionPolicies } from './sts-refused-members.ts'

const ACCESS_KEYS_TYPE = 'aws-keys'
/** The auth methods whose `login {role, jwt}` verifies a web identity token. */
const WEB_IDENTITY_TYPES = new Set(['jwt', 'oidc', 'kubernetes'])
const NOT_AUTHORIZED = 'Not authorized to perform sts:AssumeRoleWithWebIdentity'
/** STS's X-Amz-Target prefix (its name in the JSON protocol). */
const STS_TARGET_PREFIX = 'AWSSecurityTokenServiceV20110615.'

/** One request through the pipeline, answered by its response or the Coffer error it was refused with. */
async function call(
  core: RequestCore,
  req: HttpRequest,
  requestId: string,
  { action, ...request }: Pick<LogicalRequest, 'path' | 'data' | 'token'> & { action?: string },
): Promise<{ ok: CoreResponse | undefined } | { refused: unknown }> {
  const agent = header(req, 'user-agent')
  // The request that answers an action carries it, as the JSON protocol's do (for CloudTrail-format audit).
  const headers: Record<string, string> = agent ? { 'user-agent': agent } : {}
  if (action) headers[AWS_TARGET_HEADER] = `${STS_TARGET_PREFIX}${action}`
  try {
    const ok = await handleRequest(core, {
      id: requestId,
      // The call was counted once, on entry (aws-query.ts).
      quotaChecked: true,
      operation: 'update',
      headers,
      contentType: header(req, 'content-type'),
      remoteAddress: req.remoteAddress,
      ...(req.connection ? { connection: req.connection } : {}),
      ...request,
    })
    return { ok }
  } catch (refused) {
    return { refused }
  }
}

/** The first auth mount of `type` as `auth/<path>/`. */
export function authMount(core: RequestCore, type: string): string | undefined {
  const entry = core.services.mounts.entries.find((e) => e.table === 'auth' && e.type === type)
  if (!entry) return undefined
  return entry.path.startsWith('auth/') ? entry.path : `auth/${entry.path}`
}

function authMountType(core: RequestCore, path: string): string | undefined {
  return core.services.mounts.entries.find(
    (e) => e.table === 'auth' && (e.path === path || `auth/${e.path}` === path),
  )?.type
}

/** A pipeline failure that is the server's, not the caller's: re-thrown so the caller sees a 5xx. */
function serverFault(error: unknown): AwsError | undefined {
  if (isAppError(error) && error.status < 500) return undefined
  return new AwsError('InternalFailure', 'An internal error occurred.', 500)
}

const validation = (message: string) => new AwsError('ValidationError', message, 400)

function required(params: URLSearchParams, name: string, field: string): string {
  const value = params.get(name)
  if (value === null || value === '')
    throw validation(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    )
  return value
}

/** The claims of a JWT that has already been verified by the auth method, for the answer's informational fields. */
function claimsOf(jwt: string): Record<string, unknown> {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'))
    return payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function checkInput(params: URLSearchParams): { sessionName: string; duration: number | undefined } {
  const sessionName = required(params, 'RoleSessionName', 'roleSessionName')
  if (sessionName.length < 2 || sessionName.length > 64)
    throw validation(
      "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64",
    )
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
    throw validation(
      `1 validation error detected: Value '${sessionName.slice(0, 64)}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    )
  const raw = params.get('DurationSeconds')
  if (raw === null || raw === '') return { sessionName, duration: undefined }
  const duration = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(duration >= 900))
    throw validation(
      `1 validation error detected: Value '${raw.slice(0, 16)}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
    )
  if (duration > 43200)
    throw validation(
      `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200`,
    )
  return { sessionName, duration }
}

/**
 * Unsigned, as with AWS: the web identity token is the credential. Three pipeline requests, each audited: where
 * the role's tokens are verified (aws-keys `web-identity`), the login there (the jwt or kubernetes method verifies
 * the token exactly as a Vault login would), and, with the token that login gave, aws-keys `role/:name/session`,
 * which that token's policies must allow: Coffer's policy is the role's trust policy.
 */
export async function assumeRoleWithWebIdentity(
  core: RequestCore,
  req: HttpRequest,
  params: URLSearchParams,
  requestId: string,
): Promise<HttpResult> {
  const roleArn = required(params, 'RoleArn', 'roleArn')
  const jwt = required(params, 'WebIdentityToken', 'webIdentityToken')
  const { sessionName, duration } = checkInput(params)
  refuseSessionPolicies(params)
  if (jwt.length < 4 || jwt.length > 20000)
    throw validation(
      "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000",
    )
  const keysMount = authMount(core, ACCESS_KEYS_TYPE)
  if (keysMount === undefined) throw new AwsError('AccessDenied', NOT_AUTHORIZED, 403)

  const trust = await call(core, req, requestId, {
    path: `${keysMount}web-identity`,
    data: { role_arn: roleArn },
    token: '',
  })
  if ('refused' in trust)
    throw serverFault(trust.refused) ?? new AwsError('AccessDenied', NOT_AUTHORIZED, 403)
  const trustData = trust.ok?.data ?? {}
  const role = String(trustData['role'] ?? '')
  const loginMount = String(trustData['web_identity_mount'] ?? '')
  // Only a method that verifies a signed token may stand behind a role; a misconfigured mount is refused.
  if (!WEB_IDENTITY_TYPES.has(authMountType(core, loginMount) ?? ''))
    throw new AwsError('AccessDenied', NOT_AUTHORIZED, 403)

  const login = await call(core, req, requestId, {
    path: `${loginMount}login`,
    data: { role: trustData['web_identity_role'], jwt },
    token: '',
  })
  if ('refused' in login) throw identityRefusal(login.refused)
  const identity = login.ok?.auth
  if (!identity?.client_token)
    throw new AwsError('InvalidIdentityToken', 'The web identity token was not accepted.')

  const claims = claimsOf(jwt)
  const subject = typeof claims['sub'] === 'string' ? claims['sub'] : ''
  try {
    const issued = await call(core, req, requestId, {
      path: `${keysMount}role/${role}/session`,
      data: {
        role_session_name: sessionName,
        ...(duration !== undefined ? { duration_seconds: duration } : {}),
        ...(subject ? { subject } : {}),
      },
      token: identity.client_token,
      action: 'AssumeRoleWithWebIdentity',
    })
    if ('refused' in issued) {
      const fault = serverFault(issued.refused)
      if (fault) throw fault
      const status = isAppError(issued.refused) ? issued.refused.status : 403
      if (status === 400 && issued.refused instanceof Error) throw validation(issued.refused.message)
      throw new AwsError('AccessDenied', NOT_AUTHORIZED, 403)
    }
    const d = issued.ok?.data ?? {}
    const audience = Array.isArray(claims['aud']) ? claims['aud'][0] : claims['aud']
    return queryResult(requestId, 'AssumeRoleWithWebIdentity', {
      Credentials: {
        AccessKeyId: String(d['access_key_id']),
        SecretAccessKey: String(d['secret_access_key']),
        SessionToken: String(d['session_token']),
        Expiration: String(d['expiration']),
      },
      SubjectFromWebIdentityToken: subject,
      AssumedRoleUser: { AssumedRoleId: String(d['assumed_role_id']), Arn: String(d['assumed_role_arn']) },
      ...(typeof claims['iss'] === 'string' ? { Provider: claims['iss'] } : {}),
      ...(typeof audience === 'string' ? { Audience: audience } : {}),
    })
  } finally {
    // The login's token was only the key to the session path: a service token is revoked at once (a batch token
    // cannot be, and expires on its own).
    if (identity.token_type === 'service')
      await call(core, req, requestId, {
        path: 'auth/token/revoke-self',
        data: {},
        token: identity.client_token,
      })
  }
}

/** How STS names a refused web identity token: expired ones apart, as botocore's ExpiredTokenException. */
function identityRefusal(error: unknown): AwsError {
  if (isAppError(error) && error.status === 502)
    return new AwsError(
      'IDPCommunicationError',
      'Couldn\u2019t retrieve verification key from your identity provider.',
    )
  const fault = serverFault(error)
  if (fault) return fault
  const message = error instanceof Error ? error.message : ''
  if (/expired/i.test(message))
    return new AwsError(
      'ExpiredTokenException',
      'Token expired: the web identity token is past its expiration time.',
    )
  return new AwsError(
    'InvalidIdentityToken',
    message
      ? `The web identity token was not accepted: ${message}`
      : 'The web identity token was not accepted.',
  )
}

/** SigV4 refusals as the Query protocol's codes (no "Exception" suffix; 403 for bad credentials, as STS answers). */
const SIGNED_REFUSALS: Record<string, [string, number]> = {
  InvalidSignatureException: ['SignatureDoesNotMatch', 403],
  IncompleteSignatureException: ['IncompleteSignature', 400],
  UnrecognizedClientException: ['InvalidClientTokenId', 403],
  MissingAuthenticationTokenException: ['MissingAuthenticationToken', 403],
  ExpiredTokenException: ['ExpiredToken', 400],
  AccessDenied: ['AccessDenied', 403],
}

/** The signed request as the aws-keys `login` and `session-token` paths take it. */
function signedRequest(req: HttpRequest): Record<string, unknown> {
  const at = req.url.indexOf('?')
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = value
  return {
    method: req.method,
    path: at === -1 ? req.url : req.url.slice(0, at),
    query: at === -1 ? '' : req.url.slice(at + 1),
    headers,
    body: req.body.toString('base64'),
  }
}

function queryOf(url: string): string {
  const at = url.indexOf('?')
  return at === -1 ? '' : url.slice(at + 1)
}

/** The aws-keys mount a signed call goes to; unsigned calls and a server without one are refused as STS refuses. */
function signedMount(core: RequestCore, req: HttpRequest): string {
  if (header(req, 'authorization') === '' && !isPresignedQuery(queryOf(req.url)))
    throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403)
  const keysMount = authMount(core, ACCESS_KEYS_TYPE)
  if (keysMount === undefined)
    throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403)
  return keysMount
}

/** A refused signed call: the SigV4 codes as STS sends them, anything else the caller's doing as AccessDenied. */
function signedRefusal(refused: unknown, action: string): AwsError {
  const fault = serverFault(refused)
  if (fault) return fault
  const message = refused instanceof Error ? refused.message : ''
  const typed = /^([A-Za-z]+): ([\s\S]*)$/.exec(message)
  const mapped = typed ? SIGNED_REFUSALS[typed[1]!] : undefined
  if (mapped) return new AwsError(mapped[0], typed![2]!, mapped[1])
  if (isAppError(refused) && refused.status === 400 && message) return validation(message)
  return new AwsError('AccessDenied', `User is not authorized to perform: sts:${action}`, 403)
}

/** The signer's Coffer login (its token has the signing key's role's policies), or the refusal. */
async function signedLogin(core: RequestCore, req: HttpRequest, requestId: string, action: string) {
  const login = await call(core, req, requestId, {
    path: `${signedMount(core, req)}login`,
    data: signedRequest(req),
    token: '',
    action,
  })
  if ('refused' in login) throw signedRefusal(login.refused, action)
  const auth = login.ok?.auth
  if (!auth?.client_token) throw new AwsError('InternalFailure', 'An internal error occurred.', 500)
  return auth
}

/**
 * Signed or presigned: aws-keys `caller-identity` verifies the signature (long-term or session credentials) and says
 * who signed, without logging in, so a presigned GetCallerIdentity URL proves identity and grants nothing.
 */
export async function getCallerIdentity(
  core: RequestCore,
  req: HttpRequest,
  requestId: string,
): Promise<HttpResult> {
  const action = 'GetCallerIdentity'
  const answer = await call(core, req, requestId, {
    path: `${signedMount(core, req)}caller-identity`,
    data: signedRequest(req),
    token: '',
    action,
  })
  if ('refused' in answer) throw signedRefusal(answer.refused, action)
  const identity = answer.ok?.data ?? {}
  const text = (name: string) => (typeof identity[name] === 'string' ? (identity[name] as string) : '')
  return queryResult(requestId, action, {
    UserId: text('user_id'),
    Account: text('account_id'),
    Arn: text('arn'),
  })
}

/** A login's service token was only the key to one call: revoked at once (a batch token expires on its own). */
async function revokeLoginToken(
  core: RequestCore,
  req: HttpRequest,
  requestId: string,
  auth: { client_token: string; token_type?: string },
): Promise<void> {
  if (auth.token_type === 'service')
    await call(core, req, requestId, { path: 'auth/token/revoke-self', data: {}, token: auth.client_token })
}

function durationParam(params: URLSearchParams, max: number): number | undefined {
  const raw = params.get('DurationSeconds')
  if (raw === null || raw === '') return undefined
  const duration = /^\d{1,7}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(duration >= 900))
    throw validation(
      `1 validation error detected: Value '${raw.slice(0, 16)}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
    )
  if (duration > max)
    throw validation(
      `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    )
  return duration
}

/**
 * Signed with a long-term key only: aws-keys `session-token` verifies the signature itself and issues session
 * credentials for the key's role (for DurationSeconds, default 12 hours, capped at the role's max_session_duration).
 */
export async function getSessionToken(
  core: RequestCore,
  req: HttpRequest,
  params: URLSearchParams,
  requestId: string,
): Promise<HttpResult> {
  const duration = durationParam(params, 129600)
  refuseMfa(params)
  const issued = await call(core, req, requestId, {
    path: `${signedMount(core, req)}session-token`,
    data: { ...signedRequest(req), ...(duration !== undefined ? { duration_seconds: duration } : {}) },
    token: '',
    action: 'GetSessionToken',
  })
  if ('refused' in issued) throw signedRefusal(issued.refused, 'GetSessionToken')
  const d = issued.ok?.data ?? {}
  return queryResult(requestId, 'GetSessionToken', { Credentials: credentialsOf(d) })
}

function credentialsOf(d: Record<string, unknown>): XmlFields {
  return {
    AccessKeyId: String(d['access_key_id']),
    SecretAccessKey: String(d['secret_access_key']),
    SessionToken: String(d['session_token']),
    Expiration: String(d['expiration']),
  }
}

/** AWS's limit on a session assumed with session credentials of a role (role chaining). */
const CHAINED_MAX_DURATION = 3600

/**
 * Signed, with long-term or session credentials: the signer's login token must be allowed `update` on aws-keys
 * `role/<name>/session` of the RoleArn's role — Coffer policy is the role's trust policy, as for web identity.
 */
export async function assumeRole(
  core: RequestCore,
  req: HttpRequest,
  params: URLSearchParams,
  requestId: string,
): Promise<HttpResult> {
  // As STS: who is asking first, then what they ask.
  const auth = await signedLogin(core, req, requestId, 'AssumeRole')
  try {
    const roleArn = required(params, 'RoleArn', 'roleArn')
    if (roleArn.length < 20 || roleArn.length > 2048)
      throw validation(
        "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048",
      )
    const { sessionName, duration } = checkInput(params)
    refuseMfa(params)
    refuseSessionPolicies(params)
    const metadata = auth.metadata ?? {}
    const denied = new AwsError(
      'AccessDenied',
      `User: ${metadata['arn'] ?? ''} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      403,
    )
    const role = roleNameFromArn(roleArn, metadata['account_id'] ?? '')
    if (role === undefined) throw denied
    if (metadata['role_session_name'] !== undefined && (duration ?? 0) > CHAINED_MAX_DURATION)
      throw validation(
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      )
    const issued = await call(core, req, requestId, {
      path: `${signedMount(core, req)}role/${role}/session`,
      data: { role_session_name: sessionName, duration_seconds: duration ?? 3600 },
      token: auth.client_token,
      action: 'AssumeRole',
    })
    if ('refused' in issued) {
      const fault = serverFault(issued.refused)
      if (fault) throw fault
      const status = isAppError(issued.refused) ? issued.refused.status : 403
      if (status === 400 && issued.refused instanceof Error) throw validation(issued.refused.message)
      throw denied
    }
    const d = issued.ok?.data ?? {}
    return queryResult(requestId, 'AssumeRole', {
      Credentials: credentialsOf(d),
      AssumedRoleUser: { AssumedRoleId: String(d['assumed_role_id']), Arn: String(d['assumed_role_arn']) },
    })
  } finally {
    await revokeLoginToken(core, req, requestId, auth)
  }
}

/**
 * The role name of an IAM role ARN of this account (`arn:aws:iam::<account>:role[/path]/<name>`), lower-cased as
 * aws-keys names roles; undefined for anything else.
 */
function roleNameFromArn(arn: string, account: string): string | undefined {
  const match = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/.exec(arn)
  if (!match || match[1] !== account) return undefined
  return match[2]!.toLowerCase()
}
