// SigV4 verification against AWS's published example and against requests botocore signed, tampered one part at a time.
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { BOTOCORE, botocoreSign, type SignSpec } from '../../../test/helpers/aws-signers.ts'
import { describeUnless, unmet } from '../../../test/helpers/requirements.ts'
import { parseAuthorization } from './authorization.ts'
import { canonicalQuery, canonicalUri } from './canonical.ts'
import { SIGNATURE_MISMATCH, SigV4Error, UNKNOWN_KEY } from './errors.ts'
import { type ReceivedRequest, type VerifyOptions, verifySigV4 } from './verify.ts'

const KEY_ID = 'CKIAEXAMPLEEXAMPLE23'
const SECRET = 'example/secret+key/for/tests/only/abcdefgh'
const TIME = '20261122T111558Z'
const TIME_MS = Date.UTC(2026, 10, 22, 11, 15, 58)
const MINUTE = 60_000

const options = (now = TIME_MS, extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  lookupSecret: (id) => (id === KEY_ID ? SECRET : undefined),
  now: () => now,
  ...extra,
})

/** Expects a SigV4Error of `awsType` whose message matches `message`. */
async function refused(promise: Promise<unknown>, awsType: string, message?: RegExp | string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SigV4Error, String(error))
    assert.equal(error.awsType, awsType, error.message)
    assert.equal(error.status, 400)
    if (typeof message === 'string') assert.equal(error.message, message)
    else if (message) assert.match(error.message, message)
    return true
  })
}

/** A copy of the headers with `name`'s value replaced (or the header removed when value is undefined). */
function withHeader(
  headers: Array<[string, string]>,
  name: string,
  value: string | undefined,
): Array<[string, string]> {
  const kept = headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase())
  return value === undefined ? kept : [...kept, [name, value]]
}

const flat = (headers: Array<[string, string]>) => headers.flat()

describe('sigv4: AWS example and pieces', () => {
  it("verifies AWS's published get-vanilla example", async () => {
    const request: ReceivedRequest = {
      method: 'GET',
      rawPath: '/',
      rawQuery: '',
      headers: {
        Host: 'example.amazonaws.com',
        'X-Amz-Date': '20150830T123600Z',
        Authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      body: new Uint8Array(),
    }
    const verified = await verifySigV4(request, {
      lookupSecret: (id) => (id === 'AKIDEXAMPLE' ? 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' : undefined),
      now: () => Date.UTC(2015, 7, 30, 12, 40),
    })
    assert.deepEqual(verified, {
      accessKeyId: 'AKIDEXAMPLE',
      region: 'us-east-1',
      service: 'service',
      signedAt: Date.UTC(2015, 7, 30, 12, 36),
    })
  })

  it('parses the Authorization header field by field, refusing each malformed part as AWS words it', () => {
    const sig = 'aB'.repeat(32)
    const header = (credential: string, signed = 'host;x-amz-date', signature = sig) =>
      `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=${signed}, Signature=${signature}`
    const parsed = parseAuthorization(header(`${KEY_ID}/20261122/eu-west-1/ssm/aws4_request`))
    assert.deepEqual(
      { ...parsed, signedHeaders: [...parsed.signedHeaders] },
      {
        accessKeyId: KEY_ID,
        date: '20261122',
        region: 'eu-west-1',
        service: 'ssm',
        scope: '20261122/eu-west-1/ssm/aws4_request',
        signedHeaders: ['host', 'x-amz-date'],
        signature: 'ab'.repeat(32),
      },
    )
    // Parameters in any order, a repeated one keeping its last value.
    const reordered = parseAuthorization(
      `AWS4-HMAC-SHA256 Signature=${'0'.repeat(64)},SignedHeaders=host , Credential=${KEY_ID}/20261122/r/s/aws4_request, Signature=${sig}`,
    )
    assert.equal(reordered.signature, 'ab'.repeat(32))
    const incomplete = (text: string, message: RegExp) =>
      assert.throws(
        () => parseAuthorization(text),
        (error: unknown) =>
          error instanceof SigV4Error &&
          error.awsType === 'IncompleteSignatureException' &&
          message.test(error.message),
      )
    const fiveParts = /exactly 5 slash-delimited elements/
    for (const credential of [
      `${KEY_ID}/20261122/eu-west-1/ssm`,
      `${KEY_ID}/20261122/eu-west-1/ssm/aws4_request/x`,
      `/20261122/eu-west-1/ssm/aws4_request`,
      `${KEY_ID}//eu-west-1/ssm/aws4_request`,
      `${KEY_ID}/20261122//ssm/aws4_request`,
      `${KEY_ID}/20261122/eu-west-1//aws4_request`,
      `${KEY_ID}/20261122/eu-west-1/ssm/`,
      KEY_ID,
    ])
      incomplete(header(credential), fiveParts)
    incomplete(header(`${KEY_ID}/2026112/eu-west-1/ssm/aws4_request`), /YYYYMMDD/)
    incomplete(header(`${KEY_ID}/20261122/eu-west-1/ssm/aws5_request`), /valid terminator/)
    incomplete(header(`${KEY_ID}/20261122/r/s/aws4_request`, 'host;X-Amz-Date'), /lower-case/)
    incomplete(header(`${KEY_ID}/20261122/r/s/aws4_request`, 'host;;x-amz-date'), /lower-case/)
    incomplete(header(`${KEY_ID}/20261122/r/s/aws4_request`, 'x-amz-date'), /'Host' must be/)
    for (const signature of ['a'.repeat(63), 'a'.repeat(65), `${'a'.repeat(63)}g`])
      incomplete(header(`${KEY_ID}/20261122/r/s/aws4_request`, 'host', signature), /64 hexadecimal/)
    incomplete('AWS4-HMAC-SHA256 Credential=x, Signature=', /requires 'SignedHeaders'.*requires 'Signature'/)
  })

  it('reads X-Amz-Date field by field: any field out of range, or a date that would roll over, is malformed', async () => {
    const base = { method: 'GET', rawPath: '/', rawQuery: '', body: new Uint8Array() }
    const auth = `AWS4-HMAC-SHA256 Credential=${KEY_ID}/20240229/us-east-1/sm/aws4_request, SignedHeaders=host, Signature=${'a'.repeat(64)}`
    const withDate = (date: string) => ({
      ...base,
      headers: { host: 'h', 'x-amz-date': date, authorization: auth },
    })
    for (const date of [
      '20230229T000000Z',
      '21000229T000000Z',
      '20241301T000000Z',
      '20240001T000000Z',
      '20240431T000000Z',
      '20240100T000000Z',
      '20240101T240000Z',
      '20240101T006000Z',
      '20240101T000060Z',
      '00990101T000000Z',
      '20240101 000000Z',
      '20240101T000000',
      '20240101T0000001Z',
      '2024O101T000000Z',
      '20240101T00000-Z',
    ])
      await refused(verifySigV4(withDate(date), options()), 'IncompleteSignatureException', /ISO-8601/)
    // A real leap day (and surrounding spaces) reads back as written: the next refusal is a later check's.
    for (const date of ['20240229T235959Z', ' 20240229T235959Z ', '20000229T000000Z'])
      await refused(
        verifySigV4(withDate(date), options()),
        'InvalidSignatureException',
        /^(Signature expired|Date in Credential scope does not match)/,
      )
  })

  it('canonical URI: dot segments resolved, empty segments dropped, encoded once more', () => {
    assert.equal(canonicalUri(''), '/')
    assert.equal(canonicalUri('/'), '/')
    assert.equal(canonicalUri('/a/./b/../c//d/'), '/a/c/d/')
    assert.equal(canonicalUri('/a%20b/c~d'), '/a%2520b/c~d')
  })

  it('canonical query: decoded, strictly encoded, sorted by name then value', () => {
    assert.equal(canonicalQuery('b=2&a=z&a=y&flag&c=%2b+x'), 'a=y&a=z&b=2&c=%2B%2Bx&flag=')
    assert.equal(canonicalQuery(''), '')
    assert.equal(canonicalQuery("k=it's(*)!"), 'k=it%27s%28%2A%29%21')
  })

  it('refuses a missing or malformed Authorization header before anything else', async () => {
    const base = { method: 'GET', rawPath: '/', rawQuery: '', body: new Uint8Array() }
    await refused(
      verifySigV4({ ...base, headers: { host: 'h' } }, options()),
      'MissingAuthenticationTokenException',
    )
    await refused(
      verifySigV4(
        { ...base, headers: { host: 'h', authorization: 'AWS4-HMAC-SHA256 Credential=x' } },
        options(),
      ),
      'IncompleteSignatureException',
      /requires 'SignedHeaders' parameter\. .*requires 'Signature' parameter/,
    )
    await refused(
      verifySigV4({ ...base, headers: { host: 'h', authorization: 'AWS3 Credential=x' } }, options()),
      'IncompleteSignatureException',
    )
    const sig = 'a'.repeat(64)
    await refused(
      verifySigV4(
        {
          ...base,
          headers: {
            host: 'h',
            'x-amz-date': TIME,
            authorization: `AWS4-HMAC-SHA256 Credential=${KEY_ID}/20261122/us-east-1/sm/aws4_request, SignedHeaders=x-amz-date, Signature=${sig}`,
          },
        },
        options(),
      ),
      'IncompleteSignatureException',
      /'Host' must be a 'SignedHeader'/,
    )
    await refused(
      verifySigV4(
        {
          ...base,
          headers: {
            host: 'h',
            authorization: `AWS4-HMAC-SHA256 Credential=${KEY_ID}/20261122/us-east-1/sm/aws4_request, SignedHeaders=host, Signature=${sig}`,
          },
        },
        options(),
      ),
      'IncompleteSignatureException',
      /either a 'X-Amz-Date' or a 'Date' header/,
    )
  })
})

const URL_BASE = 'http://127.0.0.1:8200'

/** The received form of a signed request: what a server reads off the socket. */
function received(spec: SignSpec, headers: Array<[string, string]>): ReceivedRequest {
  const url = new URL(spec.url)
  // Raw path and query exactly as the URL string carries them (URL would re-encode some characters).
  const afterHost = spec.url.slice(spec.url.indexOf('/', url.protocol.length + 2))
  const q = afterHost.indexOf('?')
  return {
    method: spec.method,
    rawPath: q < 0 ? afterHost : afterHost.slice(0, q),
    rawQuery: q < 0 ? '' : afterHost.slice(q + 1),
    headers: flat(headers),
    body: Buffer.from(spec.body ?? ''),
  }
}

const common = {
  region: 'us-east-1',
  accessKeyId: KEY_ID,
  secretAccessKey: SECRET,
  time: TIME,
}

const GET_SPEC: SignSpec = {
  ...common,
  method: 'GET',
  url: `${URL_BASE}/some%20path/./x/?b=2&a=1&a=0&empty=&plus=%2B&tilde=~`,
  service: 'ssm',
  headers: { 'X-Custom': '  two   spaces  ' },
}

const JSON_BODY = '{"SecretId": "prod/db/credentials"}'
/** The headers boto3 sends for Secrets Manager (it signs content-type, host, x-amz-date, x-amz-target). */
const BOTO_POST: SignSpec = {
  ...common,
  method: 'POST',
  url: `${URL_BASE}/`,
  service: 'secretsmanager',
  headers: { 'X-Amz-Target': 'secretsmanager.GetSecretValue', 'Content-Type': 'application/x-amz-json-1.1' },
  body: JSON_BODY,
}
/** The JS SDK v3's larger signed set, x-amz-content-sha256 included. */
const JS_POST: SignSpec = {
  ...BOTO_POST,
  headers: {
    ...BOTO_POST.headers,
    'amz-sdk-invocation-id': '6b6bf8b1-2f6b-4a7b-9a41-0c5e1c3c5f2a',
    'amz-sdk-request': 'attempt=1; max=3',
    'Content-Length': String(Buffer.byteLength(JSON_BODY)),
    'X-Amz-Content-Sha256': '7b4e5d0d0f6a1b3e',
    'X-Amz-User-Agent': 'aws-sdk-js/3.0.0',
  },
}
const SESSION: SignSpec = { ...BOTO_POST, sessionToken: 'session-token-from-sts' }

const skip = await unmet(BOTOCORE)
describeUnless(skip, 'sigv4: requests signed by botocore', () => {
  let signed: Array<{ spec: SignSpec; headers: Array<[string, string]> }>

  before(async () => {
    const { createHash } = await import('node:crypto')
    JS_POST.headers!['X-Amz-Content-Sha256'] = createHash('sha256').update(JSON_BODY).digest('hex')
    const specs = [GET_SPEC, BOTO_POST, JS_POST, SESSION]
    const headers = await botocoreSign(specs)
    signed = specs.map((spec, i) => ({ spec, headers: headers[i]! }))
  })
  const get = () => signed[0]!
  const boto = () => signed[1]!
  const js = () => signed[2]!

  it('accepts GET with a query and POSTs with boto3’s and the JS SDK’s signed header sets', async () => {
    const verifiedGet = await verifySigV4(received(get().spec, get().headers), options())
    assert.deepEqual(verifiedGet, {
      accessKeyId: KEY_ID,
      region: 'us-east-1',
      service: 'ssm',
      signedAt: TIME_MS,
    })
    for (const { spec, headers } of [boto(), js()]) {
      const verified = await verifySigV4(
        received(spec, headers),
        options(TIME_MS, { services: ['secretsmanager'] }),
      )
      assert.equal(verified.service, 'secretsmanager')
    }
    const signedHeaders = (h: Array<[string, string]>) =>
      /SignedHeaders=([^,]+)/.exec(h.find(([n]) => n === 'Authorization')![1])![1]!
    assert.equal(signedHeaders(boto().headers), 'content-type;host;x-amz-date;x-amz-target')
    assert.match(
      signedHeaders(js().headers),
      /amz-sdk-invocation-id;amz-sdk-request;content-length;.*x-amz-user-agent/,
    )
  })

  it('reports the session token', async () => {
    const { spec, headers } = signed[3]!
    const verified = await verifySigV4(received(spec, headers), options())
    assert.equal(verified.securityToken, 'session-token-from-sts')
  })

  it('allows unsigned extra headers, and refuses a change to any signed one', async () => {
    const { spec, headers } = js()
    const extra = [
      ...headers,
      ['X-Forwarded-For', '10.0.0.1'] as [string, string],
      ['User-Agent', 'x'] as [string, string],
    ]
    await verifySigV4(received(spec, extra), options())
    const signedNames = /SignedHeaders=([^,]+)/
      .exec(headers.find(([n]) => n === 'Authorization')![1])![1]!
      .split(';')
    for (const name of signedNames) {
      if (name === 'x-amz-date' || name === 'x-amz-content-sha256') continue // below: they have their own refusals
      const original = headers.find(([n]) => n.toLowerCase() === name)![1]
      const changed = withHeader(headers, name, `${original}0`)
      await refused(
        verifySigV4(received(spec, changed), options()),
        'InvalidSignatureException',
        SIGNATURE_MISMATCH,
      )
      // A signed header that is missing altogether cannot match either.
      await refused(
        verifySigV4(received(spec, withHeader(headers, name, undefined)), options()),
        'InvalidSignatureException',
      )
    }
  })

  it('refuses a Host other than the one signed', async () => {
    const { spec, headers } = boto()
    for (const host of ['127.0.0.1', '127.0.0.1:8201', 'localhost:8200'])
      await refused(
        verifySigV4(received(spec, withHeader(headers, 'Host', host)), options()),
        'InvalidSignatureException',
        SIGNATURE_MISMATCH,
      )
  })

  it('refuses a changed body, path, query or method', async () => {
    const post = boto()
    const body = { ...received(post.spec, post.headers), body: Buffer.from('{"SecretId": "prod/db/other"}') }
    await refused(verifySigV4(body, options()), 'InvalidSignatureException', SIGNATURE_MISMATCH)
    const g = received(get().spec, get().headers)
    await refused(verifySigV4({ ...g, rawPath: '/some%20path/y/' }, options()), 'InvalidSignatureException')
    await refused(
      verifySigV4({ ...g, rawQuery: `${g.rawQuery}&c=3` }, options()),
      'InvalidSignatureException',
    )
    await refused(
      verifySigV4({ ...g, rawQuery: g.rawQuery.replace('b=2', 'b=3') }, options()),
      'InvalidSignatureException',
    )
    await refused(verifySigV4({ ...g, method: 'HEAD' }, options()), 'InvalidSignatureException')
  })

  it('checks x-amz-content-sha256 against the body it came with', async () => {
    const { spec, headers } = js()
    const tampered = { ...received(spec, headers), body: Buffer.from('{"SecretId": "x"}') }
    await refused(verifySigV4(tampered, options()), 'InvalidSignatureException', /x-amz-content-sha256/)
    const unsigned = withHeader(headers, 'X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD')
    await refused(
      verifySigV4(received(spec, unsigned), options()),
      'InvalidSignatureException',
      /x-amz-content-sha256/,
    )
  })

  it('refuses a changed date, and a credential scope naming another day, region or service', async () => {
    const { spec, headers } = boto()
    const auth = headers.find(([n]) => n === 'Authorization')![1]
    const later = withHeader(headers, 'X-Amz-Date', '20261122T111559Z')
    await refused(
      verifySigV4(received(spec, later), options()),
      'InvalidSignatureException',
      SIGNATURE_MISMATCH,
    )
    const otherDay = withHeader(headers, 'X-Amz-Date', '20261123T000100Z')
    await refused(
      verifySigV4(received(spec, otherDay), options(Date.UTC(2026, 10, 23, 0, 1))),
      'InvalidSignatureException',
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261122' != '20261123', from '20261123T000100Z'.",
    )
    for (const [from, to] of [
      ['/us-east-1/', '/eu-west-1/'],
      ['/secretsmanager/', '/ssm/'],
    ] as const) {
      const scoped = withHeader(headers, 'Authorization', auth.replace(from, to))
      await refused(
        verifySigV4(received(spec, scoped), options()),
        'InvalidSignatureException',
        SIGNATURE_MISMATCH,
      )
    }
    await refused(
      verifySigV4(received(spec, headers), options(TIME_MS, { services: ['ssm'] })),
      'InvalidSignatureException',
      "Credential should be scoped to correct service: 'ssm'.",
    )
    const badDate = withHeader(headers, 'X-Amz-Date', '20261340T111558Z')
    await refused(verifySigV4(received(spec, badDate), options()), 'IncompleteSignatureException', /ISO-8601/)
  })

  it('accepts a clock up to 15 minutes either side, and refuses a second beyond', async () => {
    const request = received(boto().spec, boto().headers)
    for (const now of [TIME_MS - 15 * MINUTE, TIME_MS + 15 * MINUTE]) await verifySigV4(request, options(now))
    await refused(
      verifySigV4(request, options(TIME_MS + 15 * MINUTE + 1000)),
      'InvalidSignatureException',
      'Signature expired: 20261122T111558Z is now earlier than 20261122T111559Z (20261122T113059Z - 15 min.)',
    )
    await refused(
      verifySigV4(request, options(TIME_MS - 15 * MINUTE - 1000)),
      'InvalidSignatureException',
      'Signature not yet current: 20261122T111558Z is still later than 20261122T111557Z (20261122T110057Z + 15 min.)',
    )
  })

  it('refuses an unknown access key and a wrong secret', async () => {
    const request = received(boto().spec, boto().headers)
    await refused(
      verifySigV4(request, { lookupSecret: () => undefined, now: () => TIME_MS }),
      'UnrecognizedClientException',
      UNKNOWN_KEY,
    )
    await refused(
      verifySigV4(request, { lookupSecret: async () => `${SECRET}x`, now: () => TIME_MS }),
      'InvalidSignatureException',
      SIGNATURE_MISMATCH,
    )
  })
})
