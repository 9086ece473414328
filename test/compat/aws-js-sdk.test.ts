// The AWS SDK for JavaScript v3, unmodified, against Coffer: Secrets Manager, SSM and STS, and the errors it classifies.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { accessKeyFor, mustCall } from '../helpers/aws-clients.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('AWS SDK for JavaScript v3 against Coffer', () => {
  let t: TestServer
  let credentials: { accessKeyId: string; secretAccessKey: string }
  const config = () => ({ endpoint: t.address, region: 'eu-central-1', credentials, maxAttempts: 1 })

  before(async () => {
    t = await startDevServer({ devAws: true })
    await mustCall(t, 'PUT', 'sys/policies/acl/js-sdk', {
      policy:
        'path "secretsmanager/*" { capabilities = ["create", "read", "update", "delete", "list"] }\npath "ssm/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    const key = await accessKeyFor(t, 'js', 'js-sdk')
    credentials = { accessKeyId: key.id, secretAccessKey: key.secret }
  })
  after(() => t?.close())

  it('Secrets Manager: create, get, put, and typed errors (instanceof the SDK classes)', async () => {
    const client = new SecretsManagerClient(config())
    const created = await client.send(
      new CreateSecretCommand({ Name: 'js/app', SecretString: '{"user":"a"}' }),
    )
    assert.match(
      created.ARN ?? '',
      /^arn:aws:secretsmanager:eu-central-1:\d{12}:secret:js\/app-[A-Za-z0-9]{6}$/,
    )
    const got = await client.send(new GetSecretValueCommand({ SecretId: 'js/app' }))
    assert.equal(got.SecretString, '{"user":"a"}')
    assert.ok(got.CreatedDate instanceof Date, 'epoch-second dates parse as Date')
    assert.ok(got.$metadata.requestId, 'x-amzn-RequestId reaches the SDK')
    await client.send(new PutSecretValueCommand({ SecretId: 'js/app', SecretString: '{"user":"b"}' }))
    assert.equal(
      (await client.send(new GetSecretValueCommand({ SecretId: 'js/app' }))).SecretString,
      '{"user":"b"}',
    )
    await assert.rejects(
      client.send(new GetSecretValueCommand({ SecretId: 'js/none' })),
      ResourceNotFoundException,
    )
    await assert.rejects(
      client.send(new CreateSecretCommand({ Name: 'js/app', SecretString: 'x' })),
      ResourceExistsException,
    )
  })

  it('SSM: put and get a SecureString, and ParameterNotFound', async () => {
    const client = new SSMClient(config())
    await client.send(new PutParameterCommand({ Name: '/js/db', Value: 's3cr3t', Type: 'SecureString' }))
    const got = await client.send(new GetParameterCommand({ Name: '/js/db', WithDecryption: true }))
    assert.equal(got.Parameter?.Value, 's3cr3t')
    assert.equal(got.Parameter?.Version, 1)
    await assert.rejects(client.send(new GetParameterCommand({ Name: '/js/none' })), ParameterNotFound)
  })

  it('STS: GetCallerIdentity names the key; a wrong secret is refused as an unrecognised or invalid signature', async () => {
    const identity = await new STSClient(config()).send(new GetCallerIdentityCommand({}))
    assert.equal(identity.UserId, credentials.accessKeyId)
    assert.match(identity.Arn ?? '', /:user\/js$/)
    const forged = new SecretsManagerClient({
      ...config(),
      credentials: { ...credentials, secretAccessKey: 'x'.repeat(40) },
    })
    const error = await forged.send(new GetSecretValueCommand({ SecretId: 'js/app' })).then(
      () => undefined,
      (e: Error) => e,
    )
    assert.ok(error, 'refused')
    assert.match(error.name, /^(InvalidSignatureException|UnrecognizedClientException)$/)
  })
})
