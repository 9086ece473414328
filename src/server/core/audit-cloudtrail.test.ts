// A format=cloudtrail file device in process: AWS calls as CloudTrail records, no secret in clear, the chain intact.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { verifyAuditLog } from '../../lib/audit-chain/verify.ts'
import {
  AWS_REGION_HEADER,
  AWS_TARGET_HEADER,
  type SecretsManagerAction,
  secretsManagerRoute,
} from '../../sdk/aws-secretsmanager-routes.ts'
import { type SsmAction, ssmRoute } from '../../sdk/aws-ssm-routes.ts'
import { runPipeline } from './handle-request.ts'
import type { LogicalRequest } from './logical-request.ts'
import { request, type TestCore, unsealedCore } from './pipeline/test-helpers.ts'

const SECRET_VALUES = ['first-s3cret-value', 'second-s3cret-value', 'ssm-s3cure-value']
/** What the aws-keys login puts on the token of a long-term access key. */
const KEY_META = {
  access_key_id: 'CAKIAEXAMPLE0001',
  role: 'deployer',
  region: 'eu-west-1',
  service: 'secretsmanager',
  account_id: '123456789012',
  arn: 'arn:aws:iam::123456789012:user/deployer',
  user_id: 'CAKIAEXAMPLE0001',
}

describe('audit format=cloudtrail', () => {
  let t: TestCore
  let dir: string
  let file: string
  let token: string
  let weakToken: string

  before(async () => {
    t = await unsealedCore()
    dir = mkdtempSync(join(tmpdir(), 'coffer-cloudtrail-'))
    file = join(dir, 'audit.log')
    await t.services.mounts.mount('secret', { path: 'secretsmanager/', type: 'secretsmanager', options: {} })
    await t.services.mounts.mount('secret', { path: 'ssm/', type: 'ssm', options: {} })
    // Tokens as an access-key login issues them (auth/token/create refuses AWS identity metadata).
    const issue = async (policies: string[], meta: Record<string, string>) =>
      (
        await t.services.tokens.issue('service', {
          policies,
          parentHash: '',
          meta,
          ttl: 3600,
          maxTtl: 3600,
          path: 'auth/aws-keys/login',
        })
      ).token
    token = await issue(['root'], KEY_META)
    weakToken = await issue(['default'], { ...KEY_META, arn: 'arn:aws:iam::123456789012:user/weak' })
    await runPipeline(
      t.services,
      request('update', 'sys/audit/trail', t.rootToken, {
        type: 'file',
        options: { file_path: file, format: 'cloudtrail' },
      }),
    )
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** A request as the AWS front door makes it: the action's route, X-Amz-Target, the signed region. */
  function awsRequest(
    target: string,
    route: { operation: LogicalRequest['operation']; path: string },
    input: Record<string, unknown>,
    as = token,
  ): LogicalRequest {
    const req = request(route.operation, route.path, as, input)
    req.headers = {
      [AWS_TARGET_HEADER]: target,
      [AWS_REGION_HEADER]: 'eu-west-1',
      'user-agent': 'Boto3/1.43.0 test',
    }
    req.remoteAddress = '192.0.2.7'
    return req
  }
  const sm = (action: SecretsManagerAction, input: Record<string, unknown>, as?: string) =>
    awsRequest(
      `secretsmanager.${action}`,
      {
        ...secretsManagerRoute(action, input),
        path: `secretsmanager/${secretsManagerRoute(action, input).path}`,
      },
      input,
      as,
    )
  const ssm = (action: SsmAction, input: Record<string, unknown>) => {
    const route = ssmRoute(action, input)
    return awsRequest(`AmazonSSM.${action}`, { operation: route.operation, path: `ssm/${route.path}` }, input)
  }
  // biome-ignore lint/suspicious/noExplicitAny: audit lines are arbitrary JSON
  const records = (requestId: string): any[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
      .filter((line) => line.requestID === requestId || line.request?.id === requestId)

  it('refuses formats other than json and cloudtrail', async () => {
    await assert.rejects(
      runPipeline(
        t.services,
        request('update', 'sys/audit/x', t.rootToken, {
          type: 'file',
          options: { file_path: join(dir, 'x.log'), format: 'jsonx' },
        }),
      ),
      /audit format must be "json" or "cloudtrail"/,
    )
  })

  it('CreateSecret, PutSecretValue and GetSecretValue: one record each, the fields CloudTrail has, no value', async () => {
    const create = sm('CreateSecret', { Name: 'app/db', SecretString: SECRET_VALUES[0], Description: 'd' })
    await runPipeline(t.services, create)
    const [created] = records(create.id)
    assert.equal(records(create.id).length, 1, 'one record per call, on the response')
    assert.equal(created.eventVersion, '1.08')
    assert.equal(created.eventSource, 'secretsmanager.amazonaws.com')
    assert.equal(created.eventName, 'CreateSecret')
    assert.equal(created.awsRegion, 'eu-west-1')
    assert.equal(created.sourceIPAddress, '192.0.2.7')
    assert.equal(created.userAgent, 'Boto3/1.43.0 test')
    assert.match(created.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.match(created.eventID, /^[0-9a-f-]{36}$/)
    assert.deepEqual(created.userIdentity, {
      type: 'IAMUser',
      principalId: 'CAKIAEXAMPLE0001',
      arn: 'arn:aws:iam::123456789012:user/deployer',
      accountId: '123456789012',
      accessKeyId: 'CAKIAEXAMPLE0001',
      userName: 'deployer',
    })
    assert.deepEqual(created.requestParameters, { name: 'app/db', description: 'd' })
    assert.match(created.responseElements.arn, /^arn:aws:secretsmanager:eu-west-1:/)
    assert.equal(created.readOnly, false)
    assert.equal(created.eventType, 'AwsApiCall')
    assert.equal(created.managementEvent, true)
    assert.equal(created.recipientAccountId, '123456789012')
    assert.equal(typeof created.seq, 'number')

    const put = sm('PutSecretValue', {
      SecretId: 'app/db',
      SecretString: SECRET_VALUES[1],
      ClientRequestToken: '11111111-2222-3333-4444-555555555555',
    })
    await runPipeline(t.services, put)
    const [putRecord] = records(put.id)
    assert.deepEqual(putRecord.requestParameters, {
      secretId: 'app/db',
      clientRequestToken: '11111111-2222-3333-4444-555555555555',
    })
    assert.equal(putRecord.responseElements.versionId, '11111111-2222-3333-4444-555555555555')

    const get = sm('GetSecretValue', { SecretId: 'app/db' })
    const answer = await runPipeline(t.services, get)
    assert.equal(answer?.data?.['SecretString'], SECRET_VALUES[1], 'the caller got the value')
    const [got] = records(get.id)
    assert.equal(records(get.id).length, 1)
    assert.deepEqual(got.requestParameters, { secretId: 'app/db' })
    assert.equal(got.responseElements, null)
    assert.equal(got.readOnly, true)
  })

  it('SSM PutParameter (SecureString) and GetParameter WithDecryption: no value either', async () => {
    const put = ssm('PutParameter', { Name: '/app/key', Value: SECRET_VALUES[2], Type: 'SecureString' })
    await runPipeline(t.services, put)
    const [putRecord] = records(put.id)
    assert.equal(putRecord.eventSource, 'ssm.amazonaws.com')
    assert.deepEqual(putRecord.requestParameters, { name: '/app/key', type: 'SecureString' })
    assert.equal(putRecord.responseElements.version, 1)
    const get = ssm('GetParameter', { Name: '/app/key', WithDecryption: true })
    const answer = await runPipeline(t.services, get)
    const parameter = answer?.data?.['Parameter'] as { Value: string } | undefined
    assert.equal(parameter?.Value, SECRET_VALUES[2])
    const [got] = records(get.id)
    assert.deepEqual(got.requestParameters, { name: '/app/key', withDecryption: true })
    assert.equal(got.responseElements, null)
  })

  it('failures carry errorCode and errorMessage: a denial and a missing secret', async () => {
    const denied = sm('GetSecretValue', { SecretId: 'app/db' }, weakToken)
    await assert.rejects(runPipeline(t.services, denied))
    const [refusal] = records(denied.id)
    assert.equal(records(denied.id).length, 1)
    assert.equal(refusal.errorCode, 'AccessDeniedException')
    assert.equal(
      refusal.errorMessage,
      'User: arn:aws:iam::123456789012:user/weak is not authorized to perform: secretsmanager:GetSecretValue',
    )
    assert.equal(refusal.responseElements, null)

    const missing = sm('GetSecretValue', { SecretId: 'no/such' })
    await assert.rejects(runPipeline(t.services, missing))
    const [notFound] = records(missing.id)
    assert.equal(notFound.errorCode, 'ResourceNotFoundException')
  })

  it("a Parameter Store client error is recorded under the service's own type, as the client was answered", async () => {
    // A field the engine's framework refuses (a plain 400, not one of the engine's typed errors).
    const route = ssmRoute('GetParameter', { Name: '/app/key' })
    const bad = awsRequest(
      'AmazonSSM.GetParameter',
      { operation: route.operation, path: `ssm/${route.path}` },
      {
        Name: '/app/key',
        version: 'not-a-number',
      },
    )
    await assert.rejects(runPipeline(t.services, bad), { status: 400 })
    const [failure] = records(bad.id)
    assert.equal(failure.errorCode, 'ValidationException')
    assert.equal(failure.errorMessage, 'invalid value for "version": expected an integer')
  })

  it('other requests keep the Coffer layout on the same device', async () => {
    const kv = request('update', 'secret/data/plain', t.rootToken, { data: { a: 'b' } })
    await runPipeline(t.services, kv)
    assert.deepEqual(
      records(kv.id).map((entry) => entry.type),
      ['request', 'response'],
    )
    assert.equal(records(kv.id)[0].eventVersion, undefined)
  })

  it('writes no secret value anywhere, and the mixed file verifies as one chain', async () => {
    const text = readFileSync(file, 'utf8')
    for (const value of SECRET_VALUES) assert.equal(text.includes(value), false, 'a value is in the log')
    const result = verifyAuditLog(text, t.services.audit.publicKeyPem)
    assert.deepEqual(result.problems, [])
    assert.equal(result.ok, true)
  })
})
