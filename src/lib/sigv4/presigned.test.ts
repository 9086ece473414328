// Presigned (query-string) SigV4: URLs from the JS SDK's and botocore's presigners accepted, expiry and tampering refused.
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { BOTOCORE, botocorePresign, smithyPresign } from '../../../test/helpers/aws-signers.ts'
import { describeUnless, unmet } from '../../../test/helpers/requirements.ts'
import { SIGNATURE_MISMATCH, SigV4Error } from './errors.ts'
import { isPresignedQuery } from './presigned.ts'
import { type ReceivedRequest, type VerifyOptions, verifySigV4 } from './verify.ts'

const KEY_ID = 'CKIAEXAMPLEEXAMPLE23'
const SECRET = 'example/secret+key/for/tests/only/abcdefgh'
const TIME_MS = Date.UTC(2026, 10, 22, 11, 15, 58)
const STS_URL = 'http://127.0.0.1:8200/?Action=GetCallerIdentity&Version=2011-06-15'

const options = (now = TIME_MS): VerifyOptions => ({
  lookupSecret: (id) => (id === KEY_ID ? SECRET : undefined),
  now: () => now,
})

/** The request a client sends for a presigned URL: the path and query as they stand in it, Host from it. */
function received(
  url: string,
  method = 'GET',
  body = '',
  extra: Record<string, string> = {},
): ReceivedRequest {
  const rest = url.slice(url.indexOf('/', url.indexOf('//') + 2))
  const at = rest.indexOf('?')
  return {
    method,
    rawPath: at < 0 ? rest : rest.slice(0, at),
    rawQuery: at < 0 ? '' : rest.slice(at + 1),
    headers: { Host: new URL(url).host, ...extra },
    body: Buffer.from(body),
  }
}

async function refused(promise: Promise<unknown>, awsType: string, message: RegExp | string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SigV4Error, String(error))
    assert.equal(error.awsType, awsType, error.message)
    if (typeof message === 'string') assert.equal(error.message, message)
    else assert.match(error.message, message)
    return true
  })
}

const presignSts = (expiresIn: number, sessionToken?: string) =>
  smithyPresign({
    method: 'GET',
    url: STS_URL,
    region: 'us-east-1',
    service: 'sts',
    accessKeyId: KEY_ID,
    secretAccessKey: SECRET,
    expiresIn,
    signingDate: new Date(TIME_MS),
    ...(sessionToken ? { sessionToken } : {}),
  })

describe('sigv4: presigned URLs from the JS SDK v3 signer', () => {
  it('accepts one within its lifetime and reports who signed, with the session token', async () => {
    const url = await presignSts(900, 'session-token-from-sts')
    assert.ok(isPresignedQuery(url.slice(url.indexOf('?') + 1)))
    const verified = await verifySigV4(received(url), options(TIME_MS + 899_000))
    assert.deepEqual(verified, {
      accessKeyId: KEY_ID,
      region: 'us-east-1',
      service: 'sts',
      signedAt: TIME_MS,
      presigned: true,
      securityToken: 'session-token-from-sts',
    })
  })

  it('refuses it once X-Amz-Expires has passed, and when signed too far in the future', async () => {
    const url = await presignSts(60)
    await verifySigV4(received(url), options(TIME_MS + 60_000))
    await refused(
      verifySigV4(received(url), options(TIME_MS + 61_000)),
      'InvalidSignatureException',
      /^Signature expired: 20261122T111558Z \+ 60 seconds is now earlier than 20261122T111659Z\.$/,
    )
    await refused(
      verifySigV4(received(url), options(TIME_MS - 16 * 60_000)),
      'InvalidSignatureException',
      /^Signature not yet current/,
    )
  })

  it('refuses an X-Amz-Expires outside 1..604800 and an incomplete parameter set', async () => {
    const url = await presignSts(3600)
    for (const expires of ['0', '604801', '-5', 'soon']) {
      await refused(
        verifySigV4(received(url.replace('X-Amz-Expires=3600', `X-Amz-Expires=${expires}`)), options()),
        'IncompleteSignatureException',
        /X-Amz-Expires/,
      )
    }
    await refused(
      verifySigV4(received(url.replace(/&X-Amz-SignedHeaders=[^&]*/, '')), options()),
      'IncompleteSignatureException',
      /must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'/,
    )
    await refused(
      verifySigV4(received(`${url}&X-Amz-Date=20261122T111558Z`), options()),
      'IncompleteSignatureException',
      /exactly one 'X-Amz-Date'/,
    )
  })

  it('refuses a change to the query, the method, the host or the body', async () => {
    const url = await presignSts(3600)
    const tampered = [
      received(url.replace('GetCallerIdentity', 'GetSessionToken')),
      received(`${url}&DurationSeconds=900`),
      received(url, 'POST'),
      { ...received(url), headers: { Host: 'elsewhere:8200' } },
      // A presigned request with a body must have signed that body; UNSIGNED-PAYLOAD covers only an empty one.
      received(url, 'GET', 'Action=AssumeRole'),
    ]
    for (const request of tampered)
      await refused(verifySigV4(request, options()), 'InvalidSignatureException', SIGNATURE_MISMATCH)
  })

  it('refuses a request carrying both an Authorization header and a query signature', async () => {
    const url = await presignSts(3600)
    const both = received(url, 'GET', '', { Authorization: 'AWS4-HMAC-SHA256 Credential=x' })
    await refused(verifySigV4(both, options()), 'IncompleteSignatureException', /Only one auth mechanism/)
  })
})

describeUnless(await unmet(BOTOCORE), 'sigv4: presigned URLs from botocore (generate_presigned_url)', () => {
  let urls: string[]
  before(async () => {
    const spec = {
      url: STS_URL,
      region: 'eu-west-1',
      service: 'sts',
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
      time: '20261122T111558Z',
      presign: 900,
    }
    urls = (
      await botocorePresign([
        { ...spec, method: 'GET' },
        { ...spec, method: 'POST' },
      ])
    ).map((s) => s.url)
  })

  it('accepts a GET and a bodiless POST signed with UNSIGNED-PAYLOAD, until they expire', async () => {
    assert.match(urls[0]!, /X-Amz-Expires=900/)
    assert.equal((await verifySigV4(received(urls[0]!), options())).region, 'eu-west-1')
    assert.equal((await verifySigV4(received(urls[1]!, 'POST'), options())).service, 'sts')
    await refused(
      verifySigV4(received(urls[0]!), options(TIME_MS + 901_000)),
      'InvalidSignatureException',
      /^Signature expired/,
    )
    await refused(
      verifySigV4(received(urls[1]!, 'POST', 'Action=AssumeRole'), options()),
      'InvalidSignatureException',
      SIGNATURE_MISMATCH,
    )
  })
})
