// The AWS front door: an awsJson1_1 call (POST / with X-Amz-Target, SigV4-signed) as Coffer requests through the pipeline.

import {
  DEFAULT_JSON_LIMITS,
  exceededJsonLimit,
  type JsonLimits,
  jsonLimitMessage,
} from '../../../lib/json-limits.ts'
import type { Logger } from '../../../lib/logger.ts'
import { uuid } from '../../../lib/random.ts'
import { isPresignedQuery, type ParsedAuthorization, parseAuthorization } from '../../../lib/sigv4/index.ts'
import { wellFormedJson } from '../../../lib/well-formed-json.ts'
import { AwsError } from '../../../sdk/aws-error.ts'
import {
  aliasNotFound,
  isKmsAction,
  KMS_REENCRYPT_HEADER,
  KMS_TARGET_PREFIX,
  kmsArnScope,
  kmsRoute,
} from '../../../sdk/aws-kms-routes.ts'
import {
  AWS_REGION_HEADER,
  AWS_TARGET_HEADER,
  isSecretsManagerAction,
  type SecretsManagerAction,
  secretsManagerRoute,
} from '../../../sdk/aws-secretsmanager-routes.ts'
import {
  isSsmAction,
  SECRETS_MANAGER_REFERENCE,
  SSM_TARGET_PREFIX,
  type SsmAction,
  ssmRoute,
} from '../../../sdk/aws-ssm-routes.ts'
import type { Operation } from '../../../sdk/request.ts'
import type { RequestCore } from '../../core/handle-request.ts'
import { handleRequest } from '../../core/handle-request.ts'
import type { LogicalRequest } from '../../core/logical-request.ts'
import type { HttpRequest, HttpResult } from '../http-types.ts'
import { header } from '../parse-request.ts'
import { batchGetSecretValue } from './batch-get.ts'
import { countedPath, type KmsCall, runKmsAction } from './kms-actions.ts'
import { type AwsJsonService, awsErrorResult, awsResult, fromCofferError } from './render.ts'
import { referenceNotFound, runSsmAction } from './ssm-actions.ts'
import { callPath, throttle } from './throttle.ts'

/** The auth method type whose login verifies a SigV4 signature (src/server/auth/aws-keys). */
const ACCESS_KEYS_TYPE = 'aws-keys'
const SECRETS_MANAGER_TYPE = 'secretsmanager'
const SECRETS_MANAGER_PREFIX = 'secretsmanager.'
const SSM_TYPE = 'ssm'
const TRANSIT_TYPE = 'transit'
/** The transit mount KMS answers from when several exist (dev mode mounts it). */
const KMS_MOUNT = 'kms/'

/** An AWS SDK call: the JSON protocol posts to the root path and names the action in X-Amz-Target. */
export function isAwsJsonRequest(req: HttpRequest): boolean {
  return req.method === 'POST' && req.headers[AWS_TARGET_HEADER] !== undefined && /^\/(\?|$)/.test(req.url)
}

/** The JSON services' throttling error type. */
const THROTTLED = 'ThrottlingException'

/** A signed caller: the login that verifies its signature, and the region the signature is scoped to. */
interface Caller {
  login: NonNullable<LogicalRequest['login']>
  region: string
}

/** The service an X-Amz-Target names; Secrets Manager for any other (which then refuses the unknown action). */
export function awsJsonService(target: string): AwsJsonService {
  if (target.startsWith(SSM_TARGET_PREFIX)) return 'ssm'
  if (target.startsWith(KMS_TARGET_PREFIX)) return 'kms'
  return 'secretsmanager'
}

export async function handleAwsJson(
  core: RequestCore,
  req: HttpRequest,
  logger?: Logger,
  jsonLimits: JsonLimits = DEFAULT_JSON_LIMITS,
): Promise<HttpResult> {
  const requestId = uuid()
  const target = header(req, AWS_TARGET_HEADER)
  const service = awsJsonService(target)
  try {
    if (target.startsWith(SSM_TARGET_PREFIX))
      return awsResult(requestId, await handleSsm(core, req, requestId, jsonLimits))
    if (target.startsWith(KMS_TARGET_PREFIX))
      return awsResult(requestId, await handleKms(core, req, requestId, jsonLimits))
    const action = target.startsWith(SECRETS_MANAGER_PREFIX)
      ? target.slice(SECRETS_MANAGER_PREFIX.length)
      : ''
    if (!isSecretsManagerAction(action))
      throw new AwsError('UnknownOperationException', 'The action or operation requested is not supported.')
    const input = parseBody(req.body, jsonLimits)
    const mount = mountOfType(core, 'secret', SECRETS_MANAGER_TYPE)
    if (mount === undefined) throw notServed('Secrets Manager is not enabled on this server.')
    // Counted before the signature is checked, so a flood costs no more than a refusal.
    const counted = callPath(mount, () => secretsManagerRoute(action, input).path)
    throttle(core, counted, req.remoteAddress, THROTTLED)
    const caller = credentials(core, req, 'secretsmanager')
    const call = (name: SecretsManagerAction, body: Record<string, unknown>) =>
      runAction(core, req, requestId, caller, mount, name, body)
    const output =
      action === 'BatchGetSecretValue' ? await batchGetSecretValue(input, call) : await call(action, input)
    return awsResult(requestId, output)
  } catch (error) {
    return awsErrorResult(requestId, error, service, logger)
  }
}

/** An `AmazonSSM.<Action>` call: the ssm mount's per-parameter paths, and Secrets Manager for references. */
async function handleSsm(
  core: RequestCore,
  req: HttpRequest,
  requestId: string,
  jsonLimits: JsonLimits,
): Promise<Record<string, unknown>> {
  const action = header(req, AWS_TARGET_HEADER).slice(SSM_TARGET_PREFIX.length)
  if (!isSsmAction(action))
    throw new AwsError('UnknownOperationException', 'The action or operation requested is not supported.')
  const input = parseBody(req.body, jsonLimits)
  const mount = mountOfType(core, 'secret', SSM_TYPE)
  if (mount === undefined) throw notServed('Parameter Store is not enabled on this server.')
  throttle(
    core,
    callPath(mount, () => ssmRoute(action, input).path),
    req.remoteAddress,
    THROTTLED,
  )
  const caller = credentials(core, req, 'ssm')
  const call = (name: SsmAction, body: Record<string, unknown>) => {
    const route = ssmRoute(name, body)
    // Only a string names the resource: String() of a deeply nested array would overflow the stack (a 500).
    const resource =
      [body['Name'], body['ResourceId'], body['Path']].find((v): v is string => typeof v === 'string') ?? '*'
    return runRoute(core, req, requestId, caller, `${mount}${route.path}`, route.operation, {
      target: `${SSM_TARGET_PREFIX}${name}`,
      input: body,
      context: { service: 'ssm', action: name, resource },
    })
  }
  const secretsManager = mountOfType(core, 'secret', SECRETS_MANAGER_TYPE)
  const readSecret = (secretId: string, stage: Record<string, string>) => {
    if (secretsManager === undefined) throw referenceNotFound(secretId)
    const body = { SecretId: secretId, ...stage }
    const route = secretsManagerRoute('GetSecretValue', body)
    return runRoute(core, req, requestId, caller, `${secretsManager}${route.path}`, route.operation, {
      target: `${SECRETS_MANAGER_PREFIX}GetSecretValue`,
      input: body,
      context: {
        service: 'ssm',
        action: 'GetParameter',
        resource: `${SECRETS_MANAGER_REFERENCE}${secretId}`,
      },
    })
  }
  return runSsmAction(action, input, call, readSecret)
}

/**
 * A `TrentService.<Action>` call: the transit mount named kms/, else the first transit mount, on the transit
 * path the action is authorised as (sdk/aws-kms-routes.ts).
 */
async function handleKms(
  core: RequestCore,
  req: HttpRequest,
  requestId: string,
  jsonLimits: JsonLimits,
): Promise<Record<string, unknown>> {
  const action = header(req, AWS_TARGET_HEADER).slice(KMS_TARGET_PREFIX.length)
  if (!isKmsAction(action))
    throw new AwsError('UnknownOperationException', 'The action or operation requested is not supported.')
  const input = parseBody(req.body, jsonLimits)
  const mounts = core.services.mounts.entries.filter((e) => e.table === 'secret' && e.type === TRANSIT_TYPE)
  const entry = mounts.find((e) => e.path === KMS_MOUNT) ?? mounts[0]
  if (entry === undefined) throw notServed('KMS is not enabled on this server: mount a transit engine.')
  const mount = entry.path
  throttle(
    core,
    callPath(mount, () => countedPath(action, input)),
    req.remoteAddress,
    THROTTLED,
  )
  const caller = credentials(core, req, 'kms')
  const call: KmsCall = (name, body, keyId, alias, part) => {
    const route = kmsRoute(name, keyId, alias)
    return runRoute(core, req, requestId, caller, `${mount}${route.path}`, route.operation, {
      target: `${KMS_TARGET_PREFIX}${name}`,
      ...(part ? { headers: { [KMS_REENCRYPT_HEADER]: part } } : {}),
      input: body,
      context: { service: 'kms', action: name, resource: alias ? `alias/${alias}` : keyId || '*' },
    })
  }
  const resolveAlias = async (name: string) => {
    const context = { service: 'kms' as const, action, resource: `alias/${name}` }
    const out = await runRoute(core, req, requestId, caller, `${mount}kms/aliases/${name}`, 'read', {
      target: '',
      input: {},
      context,
    }).catch((error: unknown) => {
      if (error instanceof AwsError && error.awsType === 'ResourceNotFoundException')
        return {} as Record<string, unknown>
      throw error
    })
    const target = out['target_key_id']
    if (typeof target !== 'string') throw aliasNotFound(kmsArnScope(caller.region, entry.options), name)
    return target
  }
  return runKmsAction(action, input, call, resolveAlias, uuid)
}

/**
 * A call to a service this server does not serve: a client error, as Vault's 404 for an unmounted path is. A 5xx
 * told SDKs to retry what can never succeed, and let any caller, signed or not, make the server answer 500s.
 */
function notServed(message: string): AwsError {
  return new AwsError('UnknownOperationException', message, 400)
}

/**
 * The JSON object body; AWS answers anything else with a SerializationException. As on the Vault API, a body past one
 * of the listener's JSON limits is refused before it is parsed: AWS's own payload limits (a 64 KiB secret, a 4 KiB KMS
 * plaintext) are far inside Vault's, so no request AWS accepts is refused, and a million-key body costs a scan that
 * stops at the 10,001st key instead of a parse. Lone surrogate escapes become U+FFFD, so no string that UTF-8 cannot
 * carry reaches an engine or storage.
 */
function parseBody(body: Buffer, jsonLimits: JsonLimits): Record<string, unknown> {
  if (body.length === 0) return {}
  const text = body.toString('utf8')
  const exceeded = exceededJsonLimit(text, body.length, jsonLimits)
  if (exceeded !== undefined)
    throw new AwsError('SerializationException', jsonLimitMessage(exceeded, jsonLimits, 'The request body'))
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON.')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new AwsError('SerializationException', 'The request body must be a JSON object.')
  return wellFormedJson(parsed, text) as Record<string, unknown>
}

/** The path of the first mount of `type` in `table`, with its trailing slash. */
function mountOfType(core: RequestCore, table: 'auth' | 'secret', type: string): string | undefined {
  const entry = core.services.mounts.entries.find((e) => e.table === table && e.type === type)
  return entry?.path
}

/**
 * The signature is checked by the access-key auth method's login, run in place by the pipeline for each request
 * it signs (core/pipeline/login-in-place.ts): one trip through the pipeline, audited as that request, and no token
 * minted. The region the signature is scoped to is read from its credential scope, which the login verifies.
 */
function credentials(core: RequestCore, req: HttpRequest, service: string): Caller {
  const [path, query = ''] = splitUrl(req.url)
  // A presigned call gets as far as the login, which refuses it as AWS words a refusal (AccessDenied).
  if (header(req, 'authorization') === '' && !isPresignedQuery(query))
    throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400)
  const mount = mountOfType(core, 'auth', ACCESS_KEYS_TYPE)
  if (mount === undefined)
    throw new AwsError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    )
  // The scope's region and service, read by the parser the login verifies the signature with: a header that
  // names Credential twice is read as the verifier reads it (its last), never as a region nobody signed.
  const scope = signedScope(header(req, 'authorization'))
  // A signature scoped to another service is refused as AWS refuses it (a key is valid for every service).
  if (scope && scope.service !== service)
    throw new AwsError(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${service}'.`,
    )
  // The action is named by X-Amz-Target, outside the signed body: left out of SignedHeaders, a captured request
  // could be replayed within its clock window as another action (a read sent again as DeleteSecret). Every AWS
  // SDK and the CLI sign it; a signature that does not is refused before the action is looked at.
  if (scope && header(req, 'x-amz-target') !== '' && !scope.signedHeaders.includes('x-amz-target'))
    throw new AwsError(
      'IncompleteSignatureException',
      "The request signature does not cover the 'X-Amz-Target' header, which names the action: it must be signed.",
    )
  const region = scope ? scope.region : ''
  return {
    region,
    login: {
      path: `${mount.startsWith('auth/') ? mount : `auth/${mount}`}login`,
      data: {
        method: req.method,
        path,
        query,
        headers: signedHeaders(req),
        body: req.body.toString('base64'),
      },
    },
  }
}

/** The Authorization header's credential scope; undefined when malformed (the login refuses it as AWS words it). */
function signedScope(authorization: string): ParsedAuthorization | undefined {
  if (authorization === '') return undefined
  try {
    return parseAuthorization(authorization)
  } catch {
    return undefined
  }
}

/** One action as the LogicalRequest its route names: the caller's token, the action and the signed region. */
function runAction(
  core: RequestCore,
  req: HttpRequest,
  requestId: string,
  caller: Caller,
  mount: string,
  action: SecretsManagerAction,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const route = secretsManagerRoute(action, input)
  const resource =
    typeof input['SecretId'] === 'string'
      ? input['SecretId']
      : typeof input['Name'] === 'string'
        ? input['Name']
        : '*'
  return runRoute(core, req, requestId, caller, `${mount}${route.path}`, route.operation, {
    target: `${SECRETS_MANAGER_PREFIX}${action}`,
    input,
    context: { action, resource },
  })
}

/** A LogicalRequest on `path` carrying the AWS action in X-Amz-Target, with the caller's token and region. */
async function runRoute(
  core: RequestCore,
  req: HttpRequest,
  requestId: string,
  caller: Caller,
  path: string,
  operation: Operation,
  call: {
    target: string
    /** Headers only the front door sets (the Vault API drops them from a client's request). */
    headers?: Record<string, string>
    input: Record<string, unknown>
    context: { action: string; resource: string; service?: AwsJsonService }
  },
): Promise<Record<string, unknown>> {
  let response: Awaited<ReturnType<typeof handleRequest>>
  try {
    response = await handleRequest(core, {
      ...base(req, requestId),
      operation,
      path,
      data: call.input,
      token: '',
      login: caller.login,
      headers: {
        // An empty target is a plain Vault-API request (KMS reads an alias's key this way).
        ...(call.target ? { [AWS_TARGET_HEADER]: call.target } : {}),
        [AWS_REGION_HEADER]: caller.region,
        ...userAgent(req),
        ...call.headers,
      },
    })
  } catch (error) {
    throw fromCofferError(error, call.context)
  }
  return response?.data ?? {}
}

function base(
  req: HttpRequest,
  requestId: string,
): Omit<LogicalRequest, 'operation' | 'path' | 'data' | 'token'> {
  return {
    id: requestId,
    // The call was counted once, on entry (throttle.ts).
    quotaChecked: true,
    headers: userAgent(req),
    contentType: header(req, 'content-type'),
    remoteAddress: req.remoteAddress,
    ...(req.connection ? { connection: req.connection } : {}),
  }
}

function userAgent(req: HttpRequest): Record<string, string> {
  const agent = header(req, 'user-agent')
  return agent ? { 'user-agent': agent } : {}
}

/** The headers as received, for the signature check (which reads only those the signature lists). */
function signedHeaders(req: HttpRequest): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name in req.headers) {
    const value = req.headers[name]
    if (value !== undefined) out[name] = value
  }
  return out
}

function splitUrl(url: string): [string, string?] {
  const at = url.indexOf('?')
  return at === -1 ? [url] : [url.slice(0, at), url.slice(at + 1)]
}
