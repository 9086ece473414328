// Requests signed by botocore's SigV4 signer (pyenv `python3` on PATH), for tests of Coffer's verifier.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
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
}

/** The headers botocore would send, as [name, value] pairs (Host included). */
export async function botocoreSign(specs: SignSpec[]): Promise<Array<Array<[string, string]>>> {
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
    })),
  })
  const script = fileURLToPath(new URL('./aws-sign.py', import.meta.url))
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile('python3', [script], { timeout: 60_000, encoding: 'utf8' }, (error, out, err) =>
      error ? reject(new Error(`aws-sign.py failed: ${err}`)) : resolve(out),
    )
    child.stdin?.end(input)
  })
  return (JSON.parse(stdout) as Array<{ headers: Array<[string, string]> }>).map((r) => r.headers)
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
