// AWS clients, unmodified, against a Coffer rate-limit quota: boto3 and the JS SDK v3 see AWS's throttling errors
// and their retry logic treats them as throttling.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import {
  type AccessKey,
  AWS_CLI,
  accessKeyFor,
  BOTO3,
  clientEnv,
  findings,
  mustCall,
  runClient,
} from '../helpers/aws-clients.ts'
import { unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./boto3-throttling.py', import.meta.url))
const NO_BOTO3 = await unmet(BOTO3)
const NO_AWS_CLI = await unmet(AWS_CLI)

/** Rewriting the quota gives it fresh buckets: each scenario starts with `rate` calls to spend. */
async function quota(t: TestServer, path: string, rate: number): Promise<void> {
  await mustCall(t, 'POST', 'sys/quotas/rate-limit/aws', { path, rate, interval: '1h' })
}

/** What the SDK's errors carry beside the message: the modeled name and the response metadata. */
type SdkError = Error & { $metadata: { httpStatusCode?: number; attempts?: number } }

/** Sends until a call is refused (the quota allows a few) and returns the refusal. */
async function firstRefusal(send: () => Promise<unknown>): Promise<SdkError> {
  for (let i = 0; i < 10; i++) {
    const error = await send().then(
      () => undefined,
      (e: Error) => e,
    )
    if (error) return error as SdkError
  }
  throw new Error('never throttled')
}

describe('AWS clients against a rate-limit quota', () => {
  let t: TestServer
  let key: AccessKey
  before(async () => {
    t = await startDevServer({ devAws: true })
    await mustCall(t, 'PUT', 'sys/policies/acl/aws-all', {
      policy:
        'path "secretsmanager/*" { capabilities = ["list", "read"] }\npath "ssm/*" { capabilities = ["list", "read"] }',
    })
    key = await accessKeyFor(t, 'throttled', 'aws-all')
    // The quota endpoints stay reachable under the tests' global quota.
    await mustCall(t, 'POST', 'sys/quotas/config', { rate_limit_exempt_paths: ['sys/quotas/*'] })
  })
  after(() => t?.close())

  const config = (maxAttempts: number) => ({
    endpoint: t.address,
    region: 'eu-west-1',
    credentials: { accessKeyId: key.id, secretAccessKey: key.secret },
    maxAttempts,
  })

  it('JS SDK v3: ThrottlingException (HTTP 400, "Rate exceeded"), retried as throttling when retries are on', async () => {
    await quota(t, 'secretsmanager/', 2)
    const once = new SecretsManagerClient(config(1))
    const refused = await firstRefusal(() => once.send(new ListSecretsCommand({})))
    assert.equal(refused.name, 'ThrottlingException')
    assert.equal(refused.message, 'Rate exceeded')
    assert.equal(refused.$metadata.httpStatusCode, 400)
    assert.equal(refused.$metadata.attempts, 1)
    // A 400 is retried only when the SDK classifies it as throttling (or transient).
    const retried = await new SecretsManagerClient(config(2)).send(new ListSecretsCommand({})).then(
      () => undefined,
      (e: SdkError) => e,
    )
    assert.equal(retried?.name, 'ThrottlingException')
    assert.equal(retried?.$metadata.attempts, 2)

    await quota(t, 'ssm/', 1)
    const ssm = new SSMClient(config(1))
    assert.equal(
      (await firstRefusal(() => ssm.send(new DescribeParametersCommand({})))).name,
      'ThrottlingException',
    )

    // STS speaks the Query protocol: AWS's code there is Throttling, which the SDK classifies the same way.
    await quota(t, 'auth/aws-keys/', 1)
    const sts = new STSClient(config(1))
    const stsRefused = await firstRefusal(() => sts.send(new GetCallerIdentityCommand({})))
    assert.equal(stsRefused.name, 'Throttling')
    assert.equal(stsRefused.$metadata.httpStatusCode, 400)
    const stsRetried = await new STSClient(config(2)).send(new GetCallerIdentityCommand({})).then(
      () => undefined,
      (e: SdkError) => e,
    )
    assert.equal(stsRetried?.$metadata.attempts, 2)
  })

  it('boto3: ClientError with Code ThrottlingException with retries off, retried as throttling with them on', {
    skip: NO_BOTO3,
  }, async () => {
    // One global quota: each client in the script spends a few calls and is then refused (one address for all).
    await mustCall(t, 'DELETE', 'sys/quotas/rate-limit/aws')
    await mustCall(t, 'POST', 'sys/quotas/rate-limit/aws', { rate: 2, interval: '1h' })
    const f = findings(await runClient('python3', [SCRIPT], clientEnv(t.address, key)))
    assert.deepEqual(f.sm, { code: 'ThrottlingException', message: 'Rate exceeded', status: 400, retries: 0 })
    assert.equal(f.sm_retried.code, 'ThrottlingException')
    assert.equal(f.sm_retried.retries, 2)
    assert.equal(f.ssm.code, 'ThrottlingException')
    assert.deepEqual(f.sts, { code: 'Throttling', message: 'Rate exceeded', status: 400, retries: 0 })
  })

  it('AWS CLI: reports ThrottlingException with retries off', { skip: NO_AWS_CLI }, async () => {
    await mustCall(t, 'POST', 'sys/quotas/rate-limit/aws', {
      path: 'secretsmanager/',
      rate: 1,
      interval: '1h',
    })
    const env = { ...clientEnv(t.address, key), AWS_MAX_ATTEMPTS: '1', AWS_RETRY_MODE: 'standard' }
    const first = await runClient('aws', ['secretsmanager', 'list-secrets'], env)
    assert.equal(first.code, 0, first.stderr)
    const second = await runClient('aws', ['secretsmanager', 'list-secrets'], env)
    assert.notEqual(second.code, 0)
    assert.match(
      second.stderr,
      /An error occurred \(ThrottlingException\) when calling the ListSecrets operation.*: Rate exceeded/,
    )
  })
})
