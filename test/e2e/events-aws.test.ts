// End to end: Secrets Manager and SSM changes made with the AWS SDK for JavaScript reach a WebSocket subscriber as events, in order, without values.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { accessKeyFor, mustCall } from '../helpers/aws-clients.ts'
import { subscribe } from '../helpers/event-subscriber.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('events of AWS API changes', () => {
  let t: TestServer
  let credentials: { accessKeyId: string; secretAccessKey: string }
  const config = () => ({ endpoint: t.address, region: 'eu-central-1', credentials, maxAttempts: 1 })

  before(async () => {
    t = await startDevServer({ devAws: true })
    await mustCall(t, 'PUT', 'sys/policies/acl/events-aws', {
      policy:
        'path "secretsmanager/*" { capabilities = ["create", "read", "update", "delete", "list"] }\npath "ssm/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    const key = await accessKeyFor(t, 'events', 'events-aws')
    credentials = { accessKeyId: key.id, secretAccessKey: key.secret }
  })
  after(() => t?.close())

  it('reports every Secrets Manager version change', async () => {
    const sub = await subscribe(t.address, 'secretsmanager/*', t.rootToken)
    const sm = new SecretsManagerClient(config())
    await sm.send(new CreateSecretCommand({ Name: 'ev/app', SecretString: 'v1-value' }))
    const put = await sm.send(new PutSecretValueCommand({ SecretId: 'ev/app', SecretString: 'v2-value' }))
    await sm.send(new UpdateSecretCommand({ SecretId: 'ev/app', SecretString: 'v3-value' }))
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'ev/app',
        VersionStage: 'AWSPENDING',
        MoveToVersionId: put.VersionId!,
      }),
    )
    await sm.send(new DeleteSecretCommand({ SecretId: 'ev/app', RecoveryWindowInDays: 7 }))
    await sm.send(new RestoreSecretCommand({ SecretId: 'ev/app' }))
    const seen = []
    for (let i = 0; i < 6; i++) seen.push(await sub.next())
    assert.deepEqual(
      seen.map((e) => e.data.event_type),
      [
        'secretsmanager/create-secret',
        'secretsmanager/put-secret-value',
        'secretsmanager/update-secret',
        'secretsmanager/update-secret-version-stage',
        'secretsmanager/delete-secret',
        'secretsmanager/restore-secret',
      ],
    )
    for (const e of seen) assert.equal(e.data.event.metadata.data_path, 'secretsmanager/secrets/ev/app')
    assert.equal(seen[1].data.event.metadata.version_id, put.VersionId)
    assert.equal(seen[3].data.event.metadata.version_stage, 'AWSPENDING')
    assert.match(seen[0].data.event.metadata.arn, /^arn:aws:secretsmanager:/)
    assert.doesNotMatch(JSON.stringify(seen), /v\d-value/)
    sub.close()
  })

  it('reports SSM PutParameter and DeleteParameter', async () => {
    const sub = await subscribe(t.address, 'ssm/*', t.rootToken)
    const ssm = new SSMClient(config())
    await ssm.send(new PutParameterCommand({ Name: '/ev/db', Value: 'p1-value', Type: 'SecureString' }))
    await ssm.send(new PutParameterCommand({ Name: '/ev/db', Value: 'p2-value', Overwrite: true }))
    await ssm.send(new DeleteParameterCommand({ Name: '/ev/db' }))
    const seen = [await sub.next(), await sub.next(), await sub.next()]
    assert.deepEqual(
      seen.map((e) => [e.data.event_type, e.data.event.metadata.version]),
      [
        ['ssm/put-parameter', '1'],
        ['ssm/put-parameter', '2'],
        ['ssm/delete-parameter', undefined],
      ],
    )
    assert.equal(seen[0].data.event.metadata.name, '/ev/db')
    assert.doesNotMatch(JSON.stringify(seen), /p\d-value/)
    sub.close()
  })
})
