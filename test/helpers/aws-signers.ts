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
