// Requests signed by botocore's SigV4 signer (pyenv `python3` on PATH) or presigned by the JS SDK's, for tests of Coffer's verifier.
import { execFile } from 'node:child_process'
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { SignatureV4 } from '@smithy/signature-v4'
import { program } from './requirements.ts'

/** botocore importable by the `python3` on the PATH (pyenv's, which has boto3 1.43), not Debian's. */
export const BOTOCORE = program('python3', ['-c', 'import botocore.auth'])

export interface SignSpec {
  method: string
  /** Full URL: scheme, host[:port], path and query, as the client would send it. */
  url: string
  headers?: Record<string, string>
  body?: Uint8Array | string
  region: string
  service: string
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  /** `20261122T111558Z`: botocore's clock is pinned to it. */
  time?: string
  /** Sign in the query string (a presigned URL) valid for this many seconds, as generate_presigned_url does. */
  presign?: number
}

/** The headers botocore would send, as [name, value] pairs (Host included). */
export async function botocoreSign(specs: SignSpec[]): Promise<Array<Array<[string, string]>>> {
  return (await botocoreSigned(specs)).map((signed) => signed.headers)
}

/** botocore's presigned URLs for `specs` (each with `presign` set), with the headers it would send. */
export async function botocorePresign(
  specs: SignSpec[],
): Promise<Array<{ url: string; headers: Array<[string, string]> }>> {
  return botocoreSigned(specs)
}

async function botocoreSigned(
  specs: SignSpec[],
): Promise<Array<{ url: string; headers: Array<[string, string]> }>> {
  const input = JSON.stringify({
    requests: specs.map((spec) => ({
      method: spec.method,
      url: spec.url,
      headers: spec.headers ?? {},
      body_b64: Buffer.from(spec.body ?? '').toString('base64'),
      region: spec.region,
      service: spec.service,
      access_key: spec.accessKeyId,
      secret_key: spec.secretAccessKey,
      session_token: spec.sessionToken,
      time: spec.time,
      presign: spec.presign,
    })),
  })
  const script = fileURLToPath(new URL('./aws-sign.py', import.meta.url))
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile('python3', [script], { timeout: 60_000, encoding: 'utf8' }, (error, out, err) =>
      error ? reject(new Error(`aws-sign.py failed: ${err}`)) : resolve(out),
    )
    child.stdin?.end(input)
  })
  return JSON.parse(stdout) as Array<{ url: string; headers: Array<[string, string]> }>
}

const LOGIN_BODY = '{"SecretId": "app"}'

/**
 * An aws-keys `login` body: a Secrets Manager call botocore signs now with `key`, addressed to `address` (its
 * host:port is the signed Host).
 */
export async function signedLoginFor(
  address: string,
  key: { id: string; secret: string; sessionToken?: string },
) {
  const [headers] = await botocoreSign([
    {
      method: 'POST',
      url: `${address}/`,
      headers: {
        'X-Amz-Target': 'secretsmanager.GetSecretValue',
        'Content-Type': 'application/x-amz-json-1.1',
      },
      body: LOGIN_BODY,
      region: 'us-east-1',
      service: 'secretsmanager',
      accessKeyId: key.id,
      secretAccessKey: key.secret,
      ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}),
    },
  ])
  return {
    method: 'POST',
    path: '/',
    headers: Object.fromEntries(headers!),
    body: Buffer.from(LOGIN_BODY).toString('base64'),
  }
}

/** SHA-256 (or HMAC-SHA-256 with a secret) from Node's crypto, in the shape @smithy/signature-v4 asks for. */
class NodeSha256 {
  #hash: Hash | Hmac
  readonly #secret: SourceData | undefined
  constructor(secret?: SourceData) {
    this.#secret = secret
    this.#hash = NodeSha256.#fresh(secret)
  }
  static #fresh(secret: SourceData | undefined): Hash | Hmac {
    return secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret))
  }
  update(data: SourceData): void {
    this.#hash.update(toBytes(data))
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest())
  }
  reset(): void {
    this.#hash = NodeSha256.#fresh(this.#secret)
  }
}

type SourceData = string | ArrayBuffer | ArrayBufferView

function toBytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return Buffer.from(data)
}

/**
 * A URL presigned by the JS SDK v3's signer (@smithy/signature-v4 `presign`): `method` to `url` with `headers`
 * (Host comes from the URL), valid for `expiresIn` seconds from `signingDate`.
 */
export async function smithyPresign(spec: {
  method: string
  url: string
  headers?: Record<string, string>
  body?: string
  region: string
  service: string
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiresIn: number
  signingDate?: Date
}): Promise<string> {
  const url = new URL(spec.url)
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: spec.accessKeyId,
      secretAccessKey: spec.secretAccessKey,
      ...(spec.sessionToken ? { sessionToken: spec.sessionToken } : {}),
    },
    region: spec.region,
    service: spec.service,
    sha256: NodeSha256,
  })
  const query: Record<string, string> = {}
  for (const [name, value] of url.searchParams) query[name] = value
  const signed = await signer.presign(
    {
      method: spec.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { host: url.host, ...(spec.headers ?? {}) },
      ...(spec.body !== undefined ? { body: spec.body } : {}),
    },
    { expiresIn: spec.expiresIn, ...(spec.signingDate ? { signingDate: spec.signingDate } : {}) },
  )
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(signed.query ?? {}))
    for (const one of Array.isArray(value) ? value : [value]) if (one !== null) search.append(name, one)
  return `${url.protocol}//${url.host}${signed.path}?${search.toString().replace(/\+/g, '%20')}`
}

const JSON_TARGET_PREFIX: Record<string, string> = {
  secretsmanager: 'secretsmanager',
  ssm: 'AmazonSSM',
  kms: 'TrentService',
}

interface JsonCallSpec {
  address: string
  service: 'secretsmanager' | 'ssm' | 'kms'
  action: string
  body: string
  accessKeyId: string
  secretAccessKey: string
  /** Session credentials' token: signed as X-Amz-Security-Token, as the SDK sends it. */
  sessionToken?: string
  region?: string
}

/** The headers (Host included) the JS SDK's signer gives an awsJson1_1 call to `address`, for a raw sender. */
export async function signedJsonHeaders(spec: JsonCallSpec): Promise<Record<string, string>> {
  const url = new URL(`${spec.address}/`)
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: spec.accessKeyId,
      secretAccessKey: spec.secretAccessKey,
      ...(spec.sessionToken ? { sessionToken: spec.sessionToken } : {}),
    },
    region: spec.region ?? 'us-east-1',
    service: spec.service,
    sha256: NodeSha256,
  })
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: '/',
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `${JSON_TARGET_PREFIX[spec.service]}.${spec.action}`,
    },
    body: spec.body,
  })
  return signed.headers
}

/**
 * One awsJson1_1 call with a body no SDK would send (an SDK serialises members by their model), signed by the JS
 * SDK's signer as the SDK signs it: the status and the parsed answer.
 */
export async function signedJsonCall(
  spec: JsonCallSpec,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { host: _host, ...headers } = await signedJsonHeaders(spec)
  const res = await fetch(new URL(`${spec.address}/`), { method: 'POST', headers, body: spec.body })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/**
 * A KMS JSON call (`TrentService.<action>`) signed by botocore for the server at `address`, as a race burst's
 * request: the same raw bytes can be sent many times at once.
 */
export async function botocoreKmsCall(
  address: string,
  key: { id: string; secret: string },
  action: string,
  input: Record<string, unknown>,
): Promise<{ method: string; path: string; token: string; headers: Record<string, string>; body: string }> {
  const body = JSON.stringify(input)
  const [pairs] = await botocoreSign([
    {
      method: 'POST',
      url: `${address}/`,
      headers: { 'X-Amz-Target': `TrentService.${action}`, 'Content-Type': 'application/x-amz-json-1.1' },
      body,
      region: 'us-east-1',
      service: 'kms',
      accessKeyId: key.id,
      secretAccessKey: key.secret,
    },
  ])
  const headers: Record<string, string> = {}
  for (const [name, value] of pairs!) if (name.toLowerCase() !== 'host') headers[name.toLowerCase()] = value
  return { method: 'POST', path: '/', token: '', headers, body }
}
