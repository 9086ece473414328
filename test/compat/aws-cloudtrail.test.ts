// boto3 against a dev server with a format=cloudtrail audit device: the records read back, field by field.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { verifyAuditLog } from '../../src/lib/audit-chain/verify.ts'
import {
  type AccessKey,
  accessKeyFor,
  BOTO3,
  clientEnv,
  mustCall,
  runClient,
} from '../helpers/aws-clients.ts'
import { unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./boto3-cloudtrail.py', import.meta.url))
const SECRET_VALUES = ['trail-first-v4lue', 'trail-second-v4lue', 'trail-ssm-v4lue']

describe('CloudTrail-format audit of boto3 calls', { skip: await unmet(BOTO3) }, () => {
  let t: TestServer
  let dir: string
  let file: string
  let key: AccessKey

  before(async () => {
    t = await startDevServer({ devAws: true })
    dir = mkdtempSync(join(tmpdir(), 'coffer-trail-e2e-'))
    file = join(dir, 'trail.log')
    const ok = (method: string, path: string, body?: unknown) => mustCall(t, method, path, body)
    await ok('PUT', 'sys/audit/trail', { type: 'file', options: { file_path: file, format: 'cloudtrail' } })
    await ok('PUT', 'sys/policies/acl/trail-admin', {
      policy:
        'path "secretsmanager/*" { capabilities = ["create", "read", "update", "delete", "list"] }\npath "ssm/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    key = await accessKeyFor(t, 'trail', 'trail-admin')
  })
  after(async () => {
    await t?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('writes one record per call with CloudTrail fields, and never a secret value', async () => {
    const result = await runClient(
      'python3',
      [SCRIPT, JSON.stringify(SECRET_VALUES)],
      clientEnv(t.address, key),
    )
    assert.equal(result.code, 0, result.stderr)
    const ids: Record<string, string> = JSON.parse(result.stdout.trim().split('\n').at(-1)!)
    const text = readFileSync(file, 'utf8')
    for (const value of SECRET_VALUES)
      assert.equal(text.includes(value), false, 'a secret value is in the log')
    assert.equal(text.includes(key.secret), false)
    // biome-ignore lint/suspicious/noExplicitAny: audit lines are arbitrary JSON
    const lines: any[] = text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
    const recordOf = (name: string) => {
      const found = lines.filter((line) => line.eventVersion !== undefined && line.requestID === ids[name])
      assert.equal(found.length, 1, `one CloudTrail record for ${name}`)
      return found[0]
    }

    const get = recordOf('get')
    assert.equal(get.eventVersion, '1.08')
    assert.equal(get.eventSource, 'secretsmanager.amazonaws.com')
    assert.equal(get.eventName, 'GetSecretValue')
    assert.equal(get.awsRegion, 'eu-west-1')
    assert.equal(get.sourceIPAddress, '127.0.0.1')
    assert.match(get.userAgent, /^Boto3\//)
    assert.equal(get.userIdentity.type, 'IAMUser')
    assert.equal(get.userIdentity.accessKeyId, key.id)
    assert.match(get.userIdentity.arn, /^arn:aws:iam::\d{12}:user\/trail$/)
    assert.equal(get.userIdentity.accountId, get.recipientAccountId)
    assert.deepEqual(get.requestParameters, { secretId: 'trail/db' })
    assert.equal(get.responseElements, null)
    assert.equal(get.readOnly, true)
    assert.equal(get.eventType, 'AwsApiCall')
    assert.equal(get.managementEvent, true)
    assert.match(get.eventID, /^[0-9a-f]{8}-[0-9a-f]{4}-/)
    assert.match(get.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)

    // boto3 fills in the idempotency token itself, and CloudTrail records it.
    assert.deepEqual(Object.keys(recordOf('create').requestParameters), ['name', 'clientRequestToken'])
    assert.match(recordOf('create').responseElements.arn, /^arn:aws:secretsmanager:eu-west-1:/)
    const put = recordOf('put')
    assert.deepEqual(put.requestParameters, {
      secretId: 'trail/db',
      clientRequestToken: 'a1b2c3d4-0000-4000-8000-000000000001',
    })
    assert.equal(put.readOnly, false)
    const putParameter = recordOf('put_parameter')
    assert.equal(putParameter.eventSource, 'ssm.amazonaws.com')
    assert.deepEqual(putParameter.requestParameters, { name: '/trail/key', type: 'SecureString' })
    assert.deepEqual(recordOf('get_parameter').requestParameters, {
      name: '/trail/key',
      withDecryption: true,
    })
    const caller = recordOf('caller')
    assert.equal(caller.eventSource, 'sts.amazonaws.com')
    assert.equal(caller.eventName, 'GetCallerIdentity')
    assert.equal(caller.userIdentity.accessKeyId, key.id)
    const missing = recordOf('missing')
    assert.equal(missing.errorCode, 'ResourceNotFoundException')
    assert.equal(missing.responseElements, null)
    // A refused signature is recorded as the call it refused, with the error the client got.
    const forged = recordOf('forged')
    assert.equal(forged.eventName, 'GetSecretValue')
    assert.equal(forged.errorCode, 'InvalidSignatureException')
    assert.match(forged.errorMessage, /^The request signature we calculated does not match/)
    assert.deepEqual(forged.requestParameters, { secretId: 'trail/db' })

    // The Vault-API calls around them (the access key's creation, STS's login) keep Vault's layout, chained with the
    // records in one file. A Secrets Manager call's signature is verified in place: its record is its only entry.
    assert.ok(
      lines.some((line) => line.type === 'response' && line.request?.path?.startsWith('auth/aws-keys/')),
    )
    assert.equal(
      lines.filter((line) => line.request?.id === ids['get'] || line.requestID === ids['get']).length,
      1,
      'GetSecretValue leaves one record and no login entries',
    )
    const pem = (await t.call('GET', 'sys/audit-signing-key')).body.data.public_key
    const verified = verifyAuditLog(text, pem)
    assert.deepEqual(verified.problems, [])
  })
})
