// Server-side cost of one signed GetSecretValue without HTTP: the AWS front door (handleAwsJson) called in process,
// in a loop, on an unsealed core on memory storage (botocore signs the call: `python3` with botocore on PATH); prints
// µs of CPU per call. For profiling the request path alone:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/aws-inprocess.ts [calls]

import { runPipeline } from '../src/server/core/handle-request.ts'
import { request, unsealedCore } from '../src/server/core/pipeline/test-helpers.ts'
import { handleAwsJson } from '../src/server/http/aws/aws-json.ts'
import type { HttpRequest } from '../src/server/http/http-types.ts'
import { botocoreSign } from '../test/helpers/aws-signers.ts'

const CALLS = Number(process.argv[2] ?? 20_000)
const t = await unsealedCore()
const root = async (operation: 'update' | 'read', path: string, data: Record<string, unknown> = {}) => {
  const out = await runPipeline(t.services, request(operation, path, t.rootToken, data))
  return out?.data ?? {}
}
await root('update', 'sys/mounts/secretsmanager', { type: 'secretsmanager' })
await root('update', 'sys/auth/aws-keys', { type: 'aws-keys' })
await root('update', 'sys/policies/acl/sm-bench', {
  policy: 'path "secretsmanager/secrets/bench/db" { capabilities = ["read"] }',
})
await root('update', 'auth/aws-keys/role/bench', { token_policies: 'sm-bench' })
const key = await root('update', 'auth/aws-keys/role/bench/access-key')
await root('update', 'secretsmanager/secrets/bench/db', {
  secret_string: JSON.stringify({ password: 'x'.repeat(64) }),
})
const body = JSON.stringify({ SecretId: 'bench/db' })
const [signed] = await botocoreSign([
  {
    method: 'POST',
    url: 'http://127.0.0.1:8200/',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'secretsmanager.GetSecretValue',
    },
    body,
    region: 'us-east-1',
    service: 'secretsmanager',
    accessKeyId: key['access_key_id'] as string,
    secretAccessKey: key['secret_access_key'] as string,
  },
])
const headers: Record<string, string> = { 'user-agent': 'bench', 'content-length': String(body.length) }
for (const [name, value] of signed!) headers[name.toLowerCase()] = value
const req = (): HttpRequest => ({
  method: 'POST',
  url: '/',
  headers,
  body: Buffer.from(body),
  remoteAddress: '127.0.0.1',
})
const first = await handleAwsJson(t.core, req())
if (first.status !== 200) throw new Error(`GetSecretValue: ${first.status} ${String(first.body)}`)
for (let i = 0; i < 2000; i++) await handleAwsJson(t.core, req())
const start = process.cpuUsage()
const wall = performance.now()
for (let i = 0; i < CALLS; i++) await handleAwsJson(t.core, req())
const used = process.cpuUsage(start)
process.stdout.write(
  `${CALLS} calls: ${((used.user + used.system) / CALLS).toFixed(1)} µs CPU per call, ${(((performance.now() - wall) * 1000) / CALLS).toFixed(1)} µs wall\n`,
)
await t.close()
