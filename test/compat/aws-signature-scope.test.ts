// The AWS JSON face acts in the region, and for the service, its caller's signature was verified for, however the Authorization header repeats its parts.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { accessKeyFor, mustCall } from '../helpers/aws-clients.ts'
import { BOTOCORE, botocoreSign } from '../helpers/aws-signers.ts'
import { unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('AWS JSON face: the signed credential scope', { skip: await unmet(BOTOCORE) }, () => {
  let t: TestServer
  let key = { id: '', secret: '' }

  before(async () => {
    t = await startDevServer({ devAws: true })
    await mustCall(t, 'PUT', 'sys/policies/acl/sm-all', {
      policy: 'path "secretsmanager/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    key = await accessKeyFor(t, 'scope', 'sm-all')
  })
  after(() => t?.close())

  /** `action` with `body`, signed by botocore for `region` and `service`; `forge` rewrites the Authorization header. */
  async function signedCall(
    action: string,
    body: unknown,
    scope: { region: string; service: string },
    forge: (authorization: string) => string,
  ) {
    const text = JSON.stringify(body)
    const [headers] = await botocoreSign([
      {
        method: 'POST',
        url: `${t.address}/`,
        headers: { 'X-Amz-Target': `secretsmanager.${action}`, 'Content-Type': 'application/x-amz-json-1.1' },
        body: text,
        ...scope,
        accessKeyId: key.id,
        secretAccessKey: key.secret,
      },
    ])
    const sent: Record<string, string> = {}
    for (const [name, value] of headers!)
      if (name.toLowerCase() !== 'host')
        sent[name.toLowerCase()] = name.toLowerCase() === 'authorization' ? forge(value) : value
    const res = await fetch(`${t.address}/`, { method: 'POST', headers: sent, body: text })
    return { status: res.status, body: (await res.json()) as Record<string, string> }
  }

  /** Another `Credential=` for the same key and day, put before the signed one. */
  const leading = (region: string, service: string) => (authorization: string) => {
    const [, keyId, date] = /Credential=([^/]+)\/(\d{8})\//.exec(authorization)!
    return authorization.replace(
      'AWS4-HMAC-SHA256 ',
      `AWS4-HMAC-SHA256 Credential=${keyId}/${date}/${region}/${service}/aws4_request, `,
    )
  }

  it('a Credential repeated with another region acts in the region the signature covers', async () => {
    const created = await signedCall(
      'CreateSecret',
      { Name: 'scoped', SecretString: 'v' },
      { region: 'us-east-1', service: 'secretsmanager' },
      leading('eu-west-1', 'secretsmanager'),
    )
    assert.equal(created.status, 200, JSON.stringify(created.body))
    assert.match(created.body['ARN']!, /^arn:aws:secretsmanager:us-east-1:/)
  })

  it('a Credential repeated with this service does not pass a signature scoped to another', async () => {
    await mustCall(t, 'POST', 'secretsmanager/secrets/other-service', { secret_string: 'v' })
    const refused = await signedCall(
      'GetSecretValue',
      { SecretId: 'other-service' },
      { region: 'us-east-1', service: 'ssm' },
      leading('us-east-1', 'secretsmanager'),
    )
    assert.equal(refused.status, 400, JSON.stringify(refused.body))
    assert.equal(refused.body['__type'], 'InvalidSignatureException')
    assert.equal(refused.body['SecretString'], undefined)
  })
  it('a signature that leaves X-Amz-Target out is refused, so a captured call cannot be replayed as another action', async () => {
    await mustCall(t, 'POST', 'secretsmanager/secrets/unsigned-target', { secret_string: 'kept' })
    const text = JSON.stringify({ SecretId: 'unsigned-target' })
    // Signed over everything but the action header, which is then added as a replay would change it.
    const [headers] = await botocoreSign([
      {
        method: 'POST',
        url: `${t.address}/`,
        headers: { 'Content-Type': 'application/x-amz-json-1.1' },
        body: text,
        region: 'us-east-1',
        service: 'secretsmanager',
        accessKeyId: key.id,
        secretAccessKey: key.secret,
      },
    ])
    const sent: Record<string, string> = {}
    for (const [name, value] of headers!) if (name.toLowerCase() !== 'host') sent[name.toLowerCase()] = value
    assert.doesNotMatch(sent['authorization']!, /x-amz-target/)
    for (const action of ['GetSecretValue', 'DeleteSecret']) {
      const res = await fetch(`${t.address}/`, {
        method: 'POST',
        headers: { ...sent, 'x-amz-target': `secretsmanager.${action}` },
        body: text,
      })
      const body = (await res.json()) as Record<string, string>
      assert.equal(res.status, 400, JSON.stringify(body))
      assert.equal(body['__type'], 'IncompleteSignatureException')
      assert.equal(body['SecretString'], undefined)
    }
    const still = await mustCall(t, 'GET', 'secretsmanager/secrets/unsigned-target')
    assert.equal(still.status, 200)
  })
})
