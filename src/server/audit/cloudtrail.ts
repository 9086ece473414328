// CloudTrail-shaped records of AWS calls (format=cloudtrail devices): the fields SIEM rules key on, never a secret.
import type { JsonObject, JsonValue } from './entry.ts'

/** One AWS call as the audit stage sees it, in AWS's names. */
export interface CloudTrailCall {
  /** The X-Amz-Target the front door set: `secretsmanager.GetSecretValue`, `AmazonSSM.PutParameter`… */
  target: string
  region: string
  /** The front door's request id (shared by every Coffer request one AWS call makes), as the client saw it. */
  requestId: string
  /** A fresh uuid per record. */
  eventId: string
  /** Epoch milliseconds. */
  time: number
  sourceIpAddress: string
  userAgent: string
  /** The aws-keys login metadata on the caller's token (access_key_id, arn, account_id, user_id, role…). */
  identity: Record<string, string> | undefined
  /** The action's input as the client sent it. */
  input: Record<string, unknown>
  /** The action's output, on success. */
  output: Record<string, unknown> | undefined
  error?: { code: string; message: string }
}

/** The X-Amz-Target prefixes of the services the front door speaks, and their CloudTrail event sources. */
const EVENT_SOURCES: Record<string, string> = {
  secretsmanager: 'secretsmanager.amazonaws.com',
  AmazonSSM: 'ssm.amazonaws.com',
  AWSSecurityTokenServiceV20110615: 'sts.amazonaws.com',
  TrentService: 'kms.amazonaws.com',
}

/**
 * Input and output members that carry a secret or a credential, dropped wherever they occur. `Value` only at the
 * top level (SSM PutParameter's value; a tag's Value is not secret) and inside parameters (see SECRET_LISTS).
 */
const SECRET_MEMBERS = new Set([
  'SecretString',
  'SecretBinary',
  'RandomPassword',
  'Password',
  'SecretAccessKey',
  'SessionToken',
  'WebIdentityToken',
  // KMS: data in clear, and what it is sealed or signed as (CloudTrail records neither).
  'Plaintext',
  'CiphertextBlob',
  'Message',
  // GenerateDataKeyPair: the private key, in clear and sealed.
  'PrivateKeyPlaintext',
  'PrivateKeyCiphertextBlob',
])
/** Lists whose elements are parameters, whose `Value` is the parameter's value. */
const SECRET_LISTS = new Set(['Parameters', 'SecretValues'])

/** AWS's read-only actions: CloudTrail marks them readOnly and records no responseElements for them. */
const READ_ONLY = /^(Get|List|Describe|BatchGet|Validate)/

/** The event source and name for an X-Amz-Target, or undefined when it is no service the front door speaks. */
export function eventOf(target: string): { source: string; name: string } | undefined {
  const dot = target.indexOf('.')
  if (dot <= 0) return undefined
  const source = EVENT_SOURCES[target.slice(0, dot)]
  const name = target.slice(dot + 1)
  return source && /^[A-Za-z]+$/.test(name) ? { source, name } : undefined
}

/** The CloudTrail record of one call (eventVersion 1.08, a management event), or undefined for an unknown target. */
export function cloudTrailRecord(call: CloudTrailCall): JsonObject | undefined {
  const event = eventOf(call.target)
  if (!event) return undefined
  const readOnly = READ_ONLY.test(event.name)
  const sts =
    event.source === EVENT_SOURCES['AWSSecurityTokenServiceV20110615']
      ? stsMembers(event.name, call)
      : undefined
  const record: JsonObject = {
    eventVersion: '1.08',
    userIdentity: sts?.identity ?? userIdentity(call.identity),
    eventTime: new Date(call.time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: event.source,
    eventName: event.name,
    awsRegion: call.region || 'us-east-1',
    sourceIPAddress: call.sourceIpAddress,
    userAgent: call.userAgent,
  }
  if (call.error) {
    record['errorCode'] = call.error.code
    record['errorMessage'] = call.error.message
  }
  if (sts) {
    record['requestParameters'] = sts.request
    record['responseElements'] = call.error ? null : sts.response
  } else {
    record['requestParameters'] = cleaned(call.input, true)
    record['responseElements'] =
      readOnly || call.error || call.output === undefined ? null : cleaned(call.output, true)
  }
  record['requestID'] = call.requestId
  record['eventID'] = call.eventId
  record['readOnly'] = readOnly
  record['eventType'] = 'AwsApiCall'
  record['managementEvent'] = true
  record['recipientAccountId'] = sts?.account ?? call.identity?.['account_id'] ?? ''
  record['eventCategory'] = 'Management'
  return record
}

/**
 * STS actions are answered by Coffer's own requests (an aws-keys login, an aws-keys session), whose data is no
 * AWS input: their members are named one by one, and the credentials' secret and session token never are.
 */
function stsMembers(
  name: string,
  call: CloudTrailCall,
): { identity?: JsonObject; account?: string; request: JsonObject | null; response: JsonObject | null } {
  if (name !== 'AssumeRoleWithWebIdentity') return { request: null, response: null }
  const input = call.input
  const out = call.output ?? {}
  const text = (value: unknown) => (typeof value === 'string' ? value : '')
  const subject = text(input['subject'])
  const assumedArn = text(out['assumed_role_arn'])
  // arn:aws:sts::<account>:assumed-role/<role>/<session> names the role: arn:aws:iam::<account>:role/<role>.
  const role = /^arn:aws:sts::(\d*):assumed-role\/([^/]+)\//.exec(assumedArn)
  const request: JsonObject = {}
  if (role) request['roleArn'] = `arn:aws:iam::${role[1]}:role/${role[2]}`
  request['roleSessionName'] = text(input['role_session_name'])
  if (typeof input['duration_seconds'] === 'number') request['durationSeconds'] = input['duration_seconds']
  return {
    identity: { type: 'WebIdentityUser', principalId: subject, userName: subject },
    ...(role ? { account: role[1]! } : {}),
    request,
    response:
      call.output === undefined
        ? null
        : {
            credentials: { accessKeyId: text(out['access_key_id']), expiration: text(out['expiration']) },
            subjectFromWebIdentityToken: subject,
            assumedRoleUser: { assumedRoleId: text(out['assumed_role_id']), arn: assumedArn },
          },
  }
}

/** An IAMUser for a long-term key, an AssumedRole for session credentials, as CloudTrail tells them apart. */
function userIdentity(meta: Record<string, string> | undefined): JsonObject {
  if (!meta?.['arn']) return { type: 'Unknown' }
  const assumed = meta['role_session_name'] !== undefined
  const identity: JsonObject = {
    type: assumed ? 'AssumedRole' : 'IAMUser',
    principalId: meta['user_id'] ?? '',
    arn: meta['arn'],
    accountId: meta['account_id'] ?? '',
    accessKeyId: meta['access_key_id'] ?? '',
  }
  if (!assumed) {
    identity['userName'] = meta['arn'].slice(meta['arn'].lastIndexOf('/') + 1)
    return identity
  }
  const role = meta['role'] ?? ''
  identity['sessionContext'] = {
    sessionIssuer: {
      type: 'Role',
      principalId: (meta['user_id'] ?? '').split(':')[0] ?? '',
      arn: `arn:aws:iam::${meta['account_id'] ?? ''}:role/${role}`,
      accountId: meta['account_id'] ?? '',
      userName: role,
    },
    attributes: { mfaAuthenticated: 'false' },
  }
  return identity
}

/**
 * A copy of `value` with CloudTrail's lowerCamel member names and every secret-bearing member left out (see
 * SECRET_MEMBERS); null when nothing is left. Bounded by the input's own depth, which the HTTP edge limits.
 */
function cleaned(value: Record<string, unknown>, topLevel: boolean, inParameters = false): JsonObject | null {
  const out: JsonObject = {}
  let any = false
  for (const [key, member] of Object.entries(value)) {
    if (SECRET_MEMBERS.has(key)) continue
    if (key === 'Value' && (topLevel || inParameters)) continue
    const copy = cleanedValue(member, SECRET_LISTS.has(key))
    if (copy === undefined) continue
    out[lowerCamel(key)] = copy
    any = true
  }
  return any ? out : null
}

function cleanedValue(value: unknown, parameters: boolean): JsonValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map((item) => cleanedValue(item, parameters) ?? null)
  if (typeof value === 'object') return cleaned(value as Record<string, unknown>, false, parameters) ?? {}
  return undefined
}

/** `SecretId` → `secretId`, `ARN` → `arn`, `KMSKeyId` → `kmsKeyId`: CloudTrail's member names. */
export function lowerCamel(name: string): string {
  const run = /^[A-Z]+/.exec(name)?.[0] ?? ''
  if (run.length <= 1 || run.length === name.length)
    return name.slice(0, run.length).toLowerCase() + name.slice(run.length)
  // The run's last capital starts the next word (KMSKey → kms + Key).
  const keep = run.length - 1
  return name.slice(0, keep).toLowerCase() + name.slice(keep)
}
