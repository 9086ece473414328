// Presigned STS GetCallerIdentity against Coffer: boto3's generate_presigned_url and the JS SDK v3 signer's presign,
// as GET and as a bodiless POST, with expiry and tampering refused as STS refuses them.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  type AccessKey,
  accessKeyFor,
  BOTO3,
  clientEnv,
  findings,
  runClient,
} from '../helpers/aws-clients.ts'
import { smithyPresign } from '../helpers/aws-signers.ts'
import { unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./boto3-presigned.py', import.meta.url))
const NO_BOTO3 = await unmet(BOTO3)

describe('presigned STS requests against Coffer', () => {
  let t: TestServer
  let key: AccessKey
  before(async () => {
    t = await startDevServer({ devAws: true })
    key = await accessKeyFor(t, 'presigner', 'default')
  })
  after(() => t?.close())

  const presign = (expiresIn: number, signingDate = new Date(), method = 'GET') =>
    smithyPresign({
      method,
      url: `${t.address}/?Action=GetCallerIdentity&Version=2011-06-15`,
      region: 'us-east-1',
      service: 'sts',
      accessKeyId: key.id,
      secretAccessKey: key.secret,
      expiresIn,
      signingDate,
    })

  it('JS SDK v3 presign: GET and bodiless POST answer who signed; expired and tampered URLs are refused', async () => {
    const url = await presign(300)
    for (const method of ['GET', 'POST']) {
      // The method is signed: a URL presigned for POST is sent as a POST.
      const answer = await fetch(method === 'GET' ? url : await presign(300, new Date(), 'POST'), { method })
      const body = await answer.text()
      assert.equal(answer.status, 200, body)
      assert.match(body, /<GetCallerIdentityResponse[^>]*><GetCallerIdentityResult>/)
      assert.match(body, new RegExp(`<UserId>${key.id}</UserId>`))
      assert.match(body, /<Arn>arn:aws:iam::\d{12}:user\/presigner<\/Arn>/)
    }
    const expired = await fetch(await presign(3600, new Date(Date.now() - 2 * 3600_000)))
    assert.equal(expired.status, 403)
    assert.match(await expired.text(), /<Code>SignatureDoesNotMatch<\/Code><Message>Signature expired: /)
    const tampered = await fetch(url.replace('GetCallerIdentity', 'GetSessionToken'))
    assert.equal(tampered.status, 403)
    assert.match(await tampered.text(), /<Code>SignatureDoesNotMatch<\/Code>/)
    const otherMethod = await fetch(url, { method: 'POST' })
    assert.equal(otherMethod.status, 403)
    // A body the signature does not cover is refused: UNSIGNED-PAYLOAD stands only for an empty one.
    const withBody = await fetch(await presign(300, new Date(), 'POST'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetSessionToken&Version=2011-06-15',
    })
    assert.equal(withBody.status, 403)
    // Whoever holds the URL learns who signed it, and nothing more: it is no Coffer login.
    const asLogin = await t.call('POST', 'auth/aws-keys/login', {
      token: '',
      body: {
        method: 'GET',
        path: '/',
        query: url.slice(url.indexOf('?') + 1),
        headers: { host: new URL(url).host },
        body: '',
      },
    })
    assert.equal(asLogin.status, 403)
    assert.match(asLogin.body.errors[0], /presigned request only proves who signed it/)
    const unsigned = await fetch(`${t.address}/?Action=GetCallerIdentity&Version=2011-06-15`)
    assert.equal(unsigned.status, 403)
    assert.match(await unsigned.text(), /<Code>MissingAuthenticationToken<\/Code>/)
  })

  it('boto3 generate_presigned_url: GET and POST accepted, expired and tampered refused', {
    skip: NO_BOTO3,
  }, async () => {
    const f = findings(await runClient('python3', [SCRIPT], clientEnv(t.address, key)))
    assert.equal(f.has_query_signature, true)
    assert.equal(f.get[0], 200)
    assert.match(f.get[1], /:user\/presigner$/)
    assert.deepEqual(f.post, f.get)
    assert.deepEqual(f.tampered, [403, 'SignatureDoesNotMatch'])
    assert.deepEqual(f.post_as_get, [403, 'SignatureDoesNotMatch'])
    assert.deepEqual(f.expired, [403, 'SignatureDoesNotMatch'])
  })
})
