// Fuzz every operation of the OpenAPI document (and the AWS actions) with hostile field values, paths and bodies: no 5xx, no stall, no non-JSON error, no leaked secret, no refused request changing data.
import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { appendFileSync, readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { SignatureV4 } from '@smithy/signature-v4'
import { KMS_ACTIONS } from '../../src/sdk/aws-kms-routes.ts'
import { SECRETS_MANAGER_ACTIONS } from '../../src/sdk/aws-secretsmanager-routes.ts'
import { SSM_ACTIONS } from '../../src/sdk/aws-ssm-routes.ts'
import {
  HOSTILE_SEGMENTS,
  type HostileRequest,
  hostileValue,
  type Operation,
  operationsOf,
  own,
  pick,
  plainValue,
  prng,
  type Random,
  type RawAnswer,
  RawJson,
  sendRaw,
  toJson,
} from '../helpers/hostile-cases.ts'
import { makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'

/** Cases per run; FUZZ_CASES and FUZZ_SEED explore further locally, CI runs the defaults. */
const CASES = Number(process.env['FUZZ_CASES'] ?? 600)
const SEED = Number(process.env['FUZZ_SEED'] ?? 7)
const BATCH = 12
/** A file to append each failing request to in full, to replay it. */
const DUMP = process.env['FUZZ_DUMP']

/** A value no answer may ever carry: it is only ever written to the canary secrets. */
const CANARY = 'canary-value-5f1e2d3c4b5a'

/** Operations that end the server's service on purpose, or stream instead of answering. */
const SKIPPED = [
  /^\/sys\/seal$/,
  /^\/sys\/step-down$/,
  /snapshot-force$/,
  /^\/sys\/storage\/.*snapshot$/,
  /^\/sys\/events\/subscribe/,
  /^\/auth\/token\/revoke-self$/,
]

/** Endpoints outside the OpenAPI document (Vault serves them outside the envelope), with their fields. */
const EXTRA: Operation[] = [
  ...['sys/generate-root/attempt', 'sys/rekey/init'].flatMap((p) =>
    ['GET', 'POST', 'PUT', 'DELETE'].map((method) => ({
      template: `/${p}`,
      method,
      fields: [
        { name: 'pgp_key', type: 'string' },
        { name: 'pgp_keys', type: 'array' },
        { name: 'secret_shares', type: 'integer' },
        { name: 'secret_threshold', type: 'integer' },
        { name: 'require_verification', type: 'boolean' },
        { name: 'backup', type: 'boolean' },
      ],
    })),
  ),
  ...['sys/generate-root/update', 'sys/rekey/update', 'sys/rekey/verify', 'sys/unseal', 'sys/init'].map(
    (p) => ({
      template: `/${p}`,
      method: 'POST',
      fields: [
        { name: 'key', type: 'string' },
        { name: 'nonce', type: 'string' },
        { name: 'reset', type: 'boolean' },
        { name: 'secret_shares', type: 'integer' },
        { name: 'secret_threshold', type: 'integer' },
      ],
    }),
  ),
  ...['sys/health', 'sys/seal-status', 'sys/leader', 'sys/init'].map((p) => ({
    template: `/${p}`,
    method: 'GET',
    fields: [],
  })),
]

/** JSON texts the sweep puts in each declared field: prototype names, out-of-range and wrongly typed values. */
const SWEEP = ['"constructor"', '"__proto__"', '"toString"', '1e309', '-1', '{}', '[{}]', 'null', '"\\u0000"']

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
]

function fillTemplate(random: Random, template: string): string {
  return template.replace(/\{[^}]+\}/g, () => (random() < 0.7 ? 'fz' : pick(random, HOSTILE_SEGMENTS)))
}

/** A path's shape bent the ways proxies and clients bend them. */
function bendPath(random: Random, path: string): string {
  switch (Math.floor(random() * 12)) {
    case 0:
      return `${path}/`
    case 1:
      return path.replace('/', '//')
    case 2:
      return `${path}/..`
    case 3:
      return `${path}/%2e%2e/fz`
    case 4:
      return path.replace(/\//g, '%2F')
    case 5:
      return `${path}/./`
    default:
      return path
  }
}

function query(random: Random, method: string): string {
  const r = random()
  if (method === 'GET' && r < 0.15) return '?list=true'
  if (r < 0.22) return pick(random, ['?list=true&list=false', '?version=1&version=2', '?help=1&help=2'])
  if (r < 0.28) return pick(random, ['?version=-1', '?version=1e309', '?list=%00', '?%ff=1', '?a=%', '?=&&='])
  return ''
}

function objectBody(random: Random, op: Operation): Record<string, unknown> {
  const entries: Array<[string, unknown]> = []
  for (const field of op.fields)
    if (random() < 0.5) entries.push([field.name, plainValue(random, field.type)])
  const hostileCount = 1 + Math.floor(random() * 2)
  for (let i = 0; i < hostileCount; i++) {
    const field =
      op.fields.length > 0 && random() < 0.9
        ? pick(random, op.fields)
        : {
            name: pick(random, ['__proto__', 'constructor', 'prototype', '', 'x'.repeat(1000)]),
            type: 'string',
          }
    const at = entries.findIndex(([name]) => name === field.name)
    const entry: [string, unknown] = [field.name, hostileValue(random, field.type)]
    if (at === -1) entries.push(entry)
    else entries[at] = entry
  }
  return own(entries)
}

/** The fields as a form (or query string): every value a string, a field sometimes repeated. */
function formOf(random: Random, op: Operation): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(objectBody(random, op))) {
    const text =
      value instanceof RawJson ? value.text : typeof value === 'string' ? value : JSON.stringify(value)
    params.append(name, text ?? '')
    if (random() < 0.2) params.append(name, pick(random, ['', 'x', '1h', '-1']))
  }
  return random() < 0.1 ? `${params.toString()}&%zz=1&a=%` : params.toString()
}

/** A whole body that is not the JSON object a handler expects. */
function oddBody(random: Random): Buffer {
  return Buffer.from(
    pick(random, [
      '',
      '{',
      '{"a":',
      '[1,2]',
      'null',
      '"text"',
      '1e309',
      'a=1&b=2&a=3',
      'data[a]=1',
      '\u0000\u0001',
      '\ufeff{"a":1}',
      '{"a":1}garbage',
      '{"a":1,"a":{"b":2}}',
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
      `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
      `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      `{"data":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      `{"data":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
      `{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
    ]),
    'utf8',
  )
}

function vaultCase(random: Random, ops: Operation[], tokens: Array<string | undefined>): HostileRequest {
  const op = pick(random, ops)
  let method = op.method
  if (method === 'GET' && op.template.endsWith('/') && random() < 0.5) method = 'LIST'
  if (random() < 0.05) method = pick(random, ['PUT', 'PATCH', 'HEAD', 'OPTIONS', 'LIST', 'DELETE'])
  let path = fillTemplate(random, op.template)
  if (random() < 0.25) path = bendPath(random, path)
  let target = `/v1${path}${query(random, method)}`
  // Reads and deletes take their fields from the query string.
  if ((method === 'GET' || method === 'DELETE') && op.fields.length > 0 && random() < 0.3)
    target += `${target.includes('?') ? '&' : '?'}${formOf(random, op)}`
  const headers: Record<string, string> = {}
  const token = pick(random, tokens)
  if (token !== undefined) headers['x-vault-token'] = token
  if (random() < 0.05) headers['x-vault-wrap-ttl'] = pick(random, ['5m', '-1', '1e9h', 'abc', '0'])
  const request: HostileRequest = { method, target, headers }
  if (method === 'GET' || method === 'HEAD') return request
  headers['content-type'] = random() < 0.85 ? 'application/json' : pick(random, CONTENT_TYPES)
  const r = random()
  if (r < 0.65) request.body = Buffer.from(toJson(objectBody(random, op)), 'utf8')
  else if (r < 0.75) {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    request.body = Buffer.from(formOf(random, op), 'latin1')
  } else if (r < 0.95) request.body = oddBody(random)
  else {
    request.body = Buffer.from(toJson(objectBody(random, op)), 'utf8')
    request.contentLength = request.body.length + pick(random, [-5, 10])
    request.mayDropConnection = true
  }
  return request
}

/** SHA-256 and HMAC-SHA-256 from Node's crypto, in the shape @smithy/signature-v4 asks for. */
class Sha256 {
  #hash
  constructor(secret?: Bytes) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret))
  }
  update(data: Bytes): void {
    this.#hash.update(bytes(data))
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest())
  }
}

type Bytes = string | ArrayBuffer | ArrayBufferView

function bytes(data: Bytes): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return Buffer.from(data)
}

const AWS_FIELDS = [
  'SecretId',
  'Name',
  'Names',
  'SecretString',
  'SecretBinary',
  'VersionId',
  'VersionStage',
  'VersionStages',
  'Value',
  'Type',
  'KeyId',
  'Plaintext',
  'CiphertextBlob',
  'EncryptionContext',
  'Tags',
  'TagKeys',
  'Filters',
  'ParameterFilters',
  'MaxResults',
  'NextToken',
  'Path',
  'Recursive',
  'ClientRequestToken',
  'RecoveryWindowInDays',
  'ForceDeleteWithoutRecovery',
  'PasswordLength',
  'ExcludeCharacters',
  'RotationRules',
  'RotationLambdaARN',
  'ResourcePolicy',
  'KeySpec',
  'NumberOfBytes',
  'AliasName',
  'TargetKeyId',
  'Labels',
  'ParameterVersion',
  'Overwrite',
  'Description',
  'KeyUsage',
  'DestinationKeyId',
  'SigningAlgorithm',
  'Message',
  'MessageType',
  'Signature',
  'PendingWindowInDays',
  'SecretIdList',
  'MoveToVersionId',
  'RemoveFromVersionId',
  'WithDecryption',
  'Policy',
  'Tier',
  'AllowedPattern',
  'DataType',
  'ResourceId',
  'ResourceType',
  'MacAlgorithm',
  'Mac',
  'EncryptionAlgorithm',
  'GrantTokens',
  'KeySpec',
  'SortOrder',
  'IncludeDeprecated',
  'IncludePlannedDeletionVersions',
  'RotateImmediately',
  'AddReplicaRegions',
  '__proto__',
  'constructor',
]

function awsJsonBody(random: Random): Buffer {
  if (random() < 0.15) return oddBody(random)
  const entries: Array<[string, unknown]> = []
  const count = 1 + Math.floor(random() * 4)
  for (let i = 0; i < count; i++) {
    const name = pick(random, AWS_FIELDS)
    entries.push([
      name,
      random() < 0.35
        ? pick(random, ['fz', 'alias/fz', 'dGVzdA==', 10, true])
        : hostileValue(random, 'string'),
    ])
  }
  return Buffer.from(toJson(own(entries)), 'utf8')
}

function awsQueryBody(random: Random): Buffer {
  const action = pick(random, [
    'AssumeRole',
    'GetCallerIdentity',
    'AssumeRoleWithWebIdentity',
    'GetSessionToken',
    'Nope',
    '',
  ])
  const params = new URLSearchParams({ Action: action, Version: pick(random, ['2011-06-15', '', 'x']) })
  for (const name of [
    'RoleArn',
    'RoleSessionName',
    'DurationSeconds',
    'WebIdentityToken',
    'Policy',
    'ExternalId',
  ])
    if (random() < 0.5) {
      const v = hostileValue(random, 'string')
      params.append(
        name,
        v instanceof RawJson ? v.text : typeof v === 'string' ? v : (JSON.stringify(v) ?? ''),
      )
    }
  let text = params.toString()
  if (random() < 0.2)
    text += pick(random, ['&Action=GetCallerIdentity', '&%ff=1', '&a=%', '&DurationSeconds=1e309'])
  return Buffer.from(text, 'latin1')
}

async function awsCase(
  random: Random,
  address: string,
  keys: { accessKeyId: string; secretAccessKey: string },
): Promise<HostileRequest> {
  const url = new URL(address)
  const kind = pick(random, ['secretsmanager', 'ssm', 'kms', 'sts'] as const)
  const target =
    kind === 'secretsmanager'
      ? `secretsmanager.${pick(random, SECRETS_MANAGER_ACTIONS)}`
      : kind === 'ssm'
        ? `AmazonSSM.${pick(random, SSM_ACTIONS)}`
        : `TrentService.${pick(random, KMS_ACTIONS)}`
  const body = kind === 'sts' ? awsQueryBody(random) : awsJsonBody(random)
  const headers: Record<string, string> = {
    host: url.host,
    'content-type': kind === 'sts' ? 'application/x-www-form-urlencoded' : 'application/x-amz-json-1.1',
  }
  if (kind !== 'sts') headers['x-amz-target'] = target
  const signer = new SignatureV4({
    credentials: keys,
    region: 'us-east-1',
    service: kind === 'kms' ? 'kms' : kind,
    sha256: Sha256,
  })
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers,
    body,
  })
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(signed.headers)) if (name !== 'host') out[name] = String(value)
  if (random() < 0.05)
    out['authorization'] = (out['authorization'] ?? '').replace(/Signature=\w+/, 'Signature=00')
  return { method: 'POST', target: '/', headers: out, body }
}

/** Where an answer may be other than JSON: metrics text, STS XML, raw HEAD/OPTIONS answers. */
function expectsJson(request: HostileRequest, status: number): boolean {
  if (status === 204 || request.method === 'HEAD' || request.method === 'OPTIONS') return false
  if (request.target.startsWith('/v1/sys/metrics')) return false
  if (request.target === '/' && !request.headers['x-amz-target']) return false
  return true
}

interface Canaries {
  read(): Promise<string>
}

describe('OpenAPI-driven hostile fuzzing', () => {
  let t: TestServer
  let ops: Operation[]
  let tokens: Array<string | undefined>
  let canaries: Canaries
  const auditDir = makeTempDir('coffer-openapi-fuzz-')
  before(async () => {
    t = await startDevServer({ devAws: true })
    // Audit on: every hostile body also goes through the audit formatter and its HMAC walk.
    const audit = await t.call('POST', 'sys/audit/fz', {
      body: { type: 'file', options: { file_path: `${auditDir.dir}/audit.log` } },
    })
    assert.equal(audit.status, 204, JSON.stringify(audit.body))
    for (const [path, type, options] of [
      ['sys/mounts/kv1', 'kv', { version: '1' }],
      ['sys/mounts/transit', 'transit', {}],
      ['sys/mounts/database', 'database', {}],
      ['sys/auth/userpass', 'userpass', {}],
      ['sys/auth/approle', 'approle', {}],
      ['sys/auth/jwt', 'jwt', {}],
      ['sys/auth/oidc', 'oidc', {}],
      ['sys/auth/kubernetes', 'kubernetes', {}],
      ['sys/auth/cert', 'cert', {}],
    ] as const) {
      const enabled = await t.call('POST', path, { body: { type, options } })
      assert.equal(enabled.status, 204, `${path}: ${JSON.stringify(enabled.body)}`)
    }
    const setup: Array<[string, unknown]> = [
      ['secret/data/canary', { data: { v: CANARY } }],
      ['kv1/canary', { v: CANARY }],
      ['sys/policies/acl/canary', { policy: 'path "secret/*" { capabilities = ["read"] }' }],
      ['auth/userpass/users/canary', { password: CANARY, policies: ['canary'] }],
      ['transit/keys/canary', {}],
      ['secret/data/fz', { data: { v: 'plain' } }],
      ['transit/keys/fz', {}],
      ['auth/approle/role/fz', { token_policies: ['default'] }],
      ['auth/userpass/users/fz', { password: 'fz-password', policies: ['default'] }],
    ]
    for (const [path, body] of setup) {
      const res = await t.call('POST', path, { body })
      assert.ok(res.status < 300, `${path}: ${res.status} ${JSON.stringify(res.body)}`)
    }
    const spec = await t.call('GET', 'sys/internal/specs/openapi')
    ops = [...operationsOf(spec.body), ...EXTRA].filter((op) => !SKIPPED.some((re) => re.test(op.template)))
    const limited = await t.call('POST', 'auth/token/create', { body: { policies: ['default'] } })
    tokens = [
      t.rootToken,
      t.rootToken,
      t.rootToken,
      t.rootToken,
      limited.body.auth.client_token,
      undefined,
      'x'.repeat(600),
    ]
    canaries = {
      read: async () => {
        const mounts = await t.call('GET', 'sys/mounts')
        const auths = await t.call('GET', 'sys/auth')
        const accessors = (table: Record<string, { accessor: string; type: string }>, names: string[]) =>
          names.map((n) => `${n}=${table[n]?.type}:${table[n]?.accessor}`)
        return JSON.stringify([
          (await t.call('GET', 'secret/data/canary')).body?.data,
          (await t.call('GET', 'kv1/canary')).body?.data,
          (await t.call('GET', 'sys/policies/acl/canary')).body?.data?.policy,
          (await t.call('GET', 'auth/userpass/users/canary')).body?.data?.token_policies,
          (await t.call('GET', 'transit/keys/canary')).body?.data?.latest_version,
          accessors(mounts.body.data, [
            'secret/',
            'kv1/',
            'transit/',
            'database/',
            'cubbyhole/',
            'identity/',
            'sys/',
          ]),
          accessors(auths.body.data, [
            'token/',
            'userpass/',
            'approle/',
            'jwt/',
            'oidc/',
            'kubernetes/',
            'cert/',
          ]),
          (await t.call('GET', 'auth/token/lookup-self')).status,
          (await t.call('POST', 'auth/userpass/login/canary', { token: '', body: { password: CANARY } }))
            .status,
        ])
      },
    }
  })
  after(async () => {
    await t.close()
    auditDir.remove()
  })

  it('covers the document: engines, auth methods and sys', () => {
    for (const prefix of [
      '/secret/data/',
      '/kv1/',
      '/transit/keys/',
      '/database/config/',
      '/auth/approle/',
      '/auth/jwt/',
      '/auth/kubernetes/',
      '/auth/cert/',
      '/identity/oidc/',
      '/sys/policies/password/',
      '/sys/quotas/',
      '/sys/leases/',
    ])
      assert.ok(
        ops.some((op) => op.template.startsWith(prefix)),
        `no operation under ${prefix}`,
      )
  })

  it('sweeps every declared field of every operation with the values most likely to slip past validation', async () => {
    const failures: string[] = []
    const requests: HostileRequest[] = []
    for (const op of ops) {
      if (op.method === 'GET' || op.method === 'DELETE') continue
      const path = op.template.replace(/\{[^}]+\}/g, 'fz')
      for (const field of op.fields)
        for (const value of SWEEP)
          requests.push({
            method: op.method,
            target: `/v1${path}`,
            headers: { 'x-vault-token': t.rootToken, 'content-type': 'application/json' },
            body: Buffer.from(`{${JSON.stringify(field.name)}:${value}}`),
          })
      for (const segment of ['constructor', '__proto__', 'toString'])
        if (op.template.includes('{'))
          requests.push({
            method: op.method,
            target: `/v1${op.template.replace(/\{[^}]+\}/g, segment)}`,
            headers: { 'x-vault-token': t.rootToken, 'content-type': 'application/json' },
            body: Buffer.from('{}'),
          })
    }
    const before = await canaries.read()
    for (let start = 0; start < requests.length; start += BATCH) {
      const batch = requests.slice(start, start + BATCH)
      const answers = await Promise.all(batch.map((request) => sendRaw(t.address, request)))
      answers.forEach((answer, i) => {
        const problem = judge(batch[i]!, answer, t.rootToken)
        if (problem) failures.push(`${labelOf(0, start + i, batch[i]!)}\n    -> ${problem}`)
      })
    }
    assert.equal(failures.length, 0, failures.join('\n'))
    assert.equal(await canaries.read(), before)
  })

  it('answers every hostile request with a JSON 4xx or success, keeps secrets out and data intact', async () => {
    const random = prng(SEED)
    const keys = t.server.awsKeys!
    const failures: string[] = []
    const before = await canaries.read()
    for (let start = 0; start < CASES; start += BATCH) {
      const batch: HostileRequest[] = []
      for (let i = start; i < Math.min(CASES, start + BATCH); i++)
        batch.push(random() < 0.8 ? vaultCase(random, ops, tokens) : await awsCase(random, t.address, keys))
      const answers = await Promise.all(
        batch.map((request) => sendRaw(t.address, request, request.mayDropConnection ? 3000 : 30_000)),
      )
      answers.forEach((answer, i) => {
        const problem = judge(batch[i]!, answer, t.rootToken)
        if (problem) failures.push(`${labelOf(SEED, start + i, batch[i]!)}\n    -> ${problem}`)
        if (problem && DUMP)
          appendFileSync(
            DUMP,
            `${JSON.stringify({ ...batch[i]!, body: batch[i]!.body?.toString('base64'), problem })}\n`,
          )
      })
      const health = await t.call('GET', 'sys/health')
      assert.equal(health.status, 200, `sys/health answered ${health.status} after case ${start}`)
      if ((start / BATCH) % 10 === 9 || start + BATCH >= CASES)
        assert.equal(await canaries.read(), before, `canary state changed by cases up to ${start + BATCH}`)
    }
    assert.equal(failures.length, 0, failures.join('\n'))
    const audit = readFileSync(`${auditDir.dir}/audit.log`, 'utf8')
    assert.ok(audit.length > 0)
    assert.ok(!audit.includes(CANARY), 'the audit log carries a canary secret in clear')
    assert.ok(!audit.includes(t.rootToken), 'the audit log carries the root token in clear')
  })
})

function labelOf(seed: number, index: number, request: HostileRequest): string {
  const length = request.contentLength !== undefined ? `(Content-Length ${request.contentLength}) ` : ''
  const body = request.body?.toString('utf8').slice(0, 200) ?? ''
  return `seed ${seed} case ${index}: ${length}${request.method} ${request.target.slice(0, 160)} ${request.headers['x-amz-target'] ?? ''} ${body}`
}

/** What is wrong with `answer` to `request`, or undefined when it is a clean answer. */
function judge(request: HostileRequest, answer: RawAnswer, rootToken: string): string | undefined {
  // A body shorter than its declared length may wait for the rest, or be refused, or be cut off.
  if (answer.status === 0 && request.mayDropConnection) return undefined
  if (answer.stalled) return 'no answer within 30s'
  if (answer.status === 0) return 'connection closed without an answer'
  if (answer.status >= 500) return `status ${answer.status} ${answer.body.slice(0, 300)}`
  if (expectsJson(request, answer.status) && !isJson(answer.body))
    return `non-JSON ${answer.status} answer: ${answer.body.slice(0, 200)}`
  if (answer.body.includes(CANARY)) return `answer carries a canary secret: ${answer.body.slice(0, 300)}`
  if (answer.status >= 400 && answer.body.includes(rootToken))
    return `error carries the root token: ${answer.body.slice(0, 300)}`
  // A TypeError's text in an error means a handler met a shape it did not expect and fell over.
  if (
    answer.status >= 400 &&
    /Cannot read properties|is not a function|is not iterable|undefined \(reading/.test(answer.body)
  )
    return `error carries an internal failure: ${answer.body.slice(0, 300)}`
  return undefined
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}
