// A Secrets Manager secret, an access key allowed to read it, and one GetSecretValue call signed by botocore.
import { botocoreSign } from '../test/helpers/aws-signers.ts'
import type { CofferFixture } from './coffer-fixture.ts'

const SECRET_NAME = 'bench/db'

async function ok(f: CofferFixture, method: string, path: string, body?: unknown) {
  const reply = await f.call(method, path, body, f.root)
  if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${reply.text}`)
  return reply
}

/** The signed headers and body to replay, and Coffer's answer (the plain server sends the same bytes). */
export async function prepareAwsGetSecretValue(
  f: CofferFixture,
): Promise<{ headers: Record<string, string>; body: string; response: string }> {
  await ok(f, 'POST', 'sys/mounts/secretsmanager', { type: 'secretsmanager' })
  await ok(f, 'POST', 'sys/auth/aws-keys', { type: 'aws-keys' })
  await ok(f, 'PUT', 'sys/policies/acl/sm-bench', {
    policy: `path "secretsmanager/secrets/${SECRET_NAME}" { capabilities = ["read"] }`,
  })
  await ok(f, 'POST', 'auth/aws-keys/role/bench', { token_policies: 'sm-bench' })
  const key = JSON.parse((await ok(f, 'POST', 'auth/aws-keys/role/bench/access-key')).text).data
  await ok(f, 'POST', `secretsmanager/secrets/${SECRET_NAME}`, {
    secret_string: JSON.stringify({ password: 'x'.repeat(64) }),
  })
  const body = JSON.stringify({ SecretId: SECRET_NAME })
  const [signed] = await botocoreSign([
    {
      method: 'POST',
      url: `${f.address}/`,
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'secretsmanager.GetSecretValue',
      },
      body,
      region: 'us-east-1',
      service: 'secretsmanager',
      accessKeyId: key.access_key_id,
      secretAccessKey: key.secret_access_key,
    },
  ])
  const headers: Record<string, string> = {}
  for (const [name, value] of signed!) if (name.toLowerCase() !== 'host') headers[name] = value
  const res = await fetch(`${f.address}/`, { method: 'POST', headers, body })
  const response = await res.text()
  if (res.status !== 200) throw new Error(`signed GetSecretValue failed: ${res.status} ${response}`)
  return { headers, body, response }
}
