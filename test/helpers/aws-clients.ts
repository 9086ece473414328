// Real AWS clients (boto3, the AWS CLI) against a test server: the requirements, running them, and access keys for them.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { program } from './requirements.ts'
import type { Reply, TestServer } from './server.ts'

/** boto3 importable by the `python3` on the PATH (pyenv's, boto3 1.43), which honours AWS_ENDPOINT_URL. */
export const BOTO3 = program('python3', ['-c', 'import boto3'])
export const AWS_CLI = program('aws', ['--version'])

export interface Ran {
  code: number
  stdout: string
  stderr: string
}

/**
 * Run a client with `env` over the test's environment, minus any AWS credentials of whoever runs the tests (a
 * client must use exactly the ones the test gives it); resolves, never rejects.
 */
export function runClient(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  const {
    AWS_ACCESS_KEY_ID: _key,
    AWS_SECRET_ACCESS_KEY: _secret,
    AWS_SESSION_TOKEN: _token,
    AWS_PROFILE: _profile,
    ...base
  } = process.env
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...base, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
  })
}

/** A scenario script's findings: the JSON object on its last line of output. */
// biome-ignore lint/suspicious/noExplicitAny: scenario JSON, checked field by field by each test
export function findings(ran: Ran): Record<string, any> {
  assert.equal(ran.code, 0, ran.stderr)
  return JSON.parse(ran.stdout.trim().split('\n').at(-1)!)
}

/** A root-token call that must succeed (status below 300). */
export async function mustCall(t: TestServer, method: string, path: string, body?: unknown): Promise<Reply> {
  const reply = await t.call(method, path, body === undefined ? {} : { body })
  assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
  return reply
}

export interface AccessKey {
  id: string
  secret: string
}

/** An aws-keys role holding `policies` (mounted at auth/aws-keys/, as dev mode does) and a fresh key pair for it. */
export async function accessKeyFor(t: TestServer, role: string, policies: string): Promise<AccessKey> {
  await mustCall(t, 'POST', `auth/aws-keys/role/${role}`, { token_policies: policies })
  const issued = (await mustCall(t, 'POST', `auth/aws-keys/role/${role}/access-key`)).body.data
  return { id: issued.access_key_id, secret: issued.secret_access_key }
}

/** What an unmodified AWS client needs to reach the test server with `key`, and nothing from the machine's config. */
export function clientEnv(address: string, key: AccessKey, region = 'eu-west-1'): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: address,
    AWS_ACCESS_KEY_ID: key.id,
    AWS_SECRET_ACCESS_KEY: key.secret,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  }
}

/**
 * What a script driving several roles at once needs: the endpoint and region, nothing from the machine's config,
 * and each role's key as <ROLE>_KEY_ID and <ROLE>_SECRET (the script picks the key per call).
 */
export function rolesEnv(
  address: string,
  keys: Record<string, AccessKey>,
  region = 'us-east-1',
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    AWS_ENDPOINT_URL: address,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  }
  for (const [role, key] of Object.entries(keys)) {
    env[`${role.toUpperCase()}_KEY_ID`] = key.id
    env[`${role.toUpperCase()}_SECRET`] = key.secret
  }
  return env
}
