// Request-target checks, verb mapping and the lazily built header view.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_JSON_LIMITS } from '../../lib/json-limits.ts'
import { AppError } from '../../sdk/errors.ts'
import {
  clientToken,
  operationFor,
  originForm,
  parseTarget,
  plainHeaders,
  requestData,
} from './parse-request.ts'

const req = (headers: Record<string, string | string[]>) => ({
  method: 'GET',
  url: '/',
  headers,
  body: Buffer.alloc(0),
  remoteAddress: '',
})

describe('originForm', () => {
  it('takes the path and query of an absolute-form target and leaves any other target as it is', () => {
    assert.equal(originForm('http://h:8200/v1/sys/health?x=1'), '/v1/sys/health?x=1')
    assert.equal(originForm('HTTPS://h'), '/')
    assert.equal(originForm('http://h?Action=GetCallerIdentity'), '/?Action=GetCallerIdentity')
    for (const target of ['/v1/sys/health', '*', 'ftp://h/v1/x', 'h:443'])
      assert.equal(originForm(target), target)
  })
})

describe('parseTarget', () => {
  it('strips /v1/ and decodes percent-encoding', () => {
    assert.deepEqual(parseTarget('/v1/secret/data/a%20b')?.path, 'secret/data/a b')
    assert.equal(parseTarget('/v1/secret/data/x?version=2')?.query.get('version'), '2')
    assert.equal(parseTarget('/v2/x'), undefined)
    assert.equal(parseTarget('/v1//sys/health')?.path, 'sys/health')
  })
  it('refuses traversal, control characters, empty segments and bad encodings', () => {
    for (const url of [
      '/v1/a/../b',
      '/v1/a/%2e%2e/b',
      '/v1/./a',
      '/v1/a/.',
      '/v1/a%00b',
      '/v1/a//b',
      '/v1/a%zz',
      // Non-printable but not control characters: line separator, zero-width space, right-to-left override,
      // no-break space, a C1 control and a lone surrogate.
      '/v1/a%E2%80%A8b',
      '/v1/a%E2%80%8Bb',
      '/v1/a%E2%80%AEb',
      '/v1/a%C2%A0b',
      '/v1/a%C2%85b',
    ]) {
      assert.throws(
        () => parseTarget(url),
        (e: unknown) => e instanceof AppError && e.status === 400,
        url,
      )
    }
    assert.equal(parseTarget('/v1/a/..b/c')?.path, 'a/..b/c')
    // Printable non-ASCII stays allowed, as in Vault.
    assert.equal(parseTarget('/v1/a/%E2%82%ACuro%20x/%C3%A9%E6%97%A5')?.path, 'a/€uro x/é日')
  })
})

describe('operationFor', () => {
  const q = (s: string) => new URLSearchParams(s)
  it('maps verbs and ?list= booleans as Vault does', () => {
    assert.equal(operationFor('GET', q(''), ''), 'read')
    for (const v of ['true', '1', 't', 'T', 'TRUE', 'True'])
      assert.equal(operationFor('GET', q(`list=${v}`), ''), 'list')
    for (const v of ['false', '0', 'f']) assert.equal(operationFor('GET', q(`list=${v}`), ''), 'read')
    assert.throws(() => operationFor('GET', q('list=maybe'), ''), /list/)
    assert.equal(operationFor('LIST', q(''), ''), 'list')
    assert.equal(operationFor('PUT', q(''), ''), 'update')
    assert.equal(operationFor('PATCH', q(''), 'application/merge-patch+json'), 'patch')
    // Media types compare case-insensitively; KV applies the same rule (sdk/patch-content-type.ts).
    assert.equal(operationFor('PATCH', q(''), 'Application/Merge-Patch+JSON; charset=utf-8'), 'patch')
    assert.throws(
      () => operationFor('PATCH', q(''), 'application/json'),
      (e: unknown) => e instanceof AppError && e.status === 415,
    )
    assert.throws(
      () => operationFor('PATCH', q(''), 'application/merge-patch+jsonx'),
      (e: unknown) => e instanceof AppError && e.status === 415,
    )
    assert.throws(
      () => operationFor('TRACE', q(''), ''),
      (e: unknown) => e instanceof AppError && e.status === 405,
    )
  })
})

describe('request bodies', () => {
  const body = (text: string, contentType: string) => ({
    method: 'POST',
    url: '/',
    headers: { 'content-type': contentType },
    body: Buffer.from(text),
    remoteAddress: '',
  })
  it('reads JSON even when curl -d labels it a form, and real forms as forms', () => {
    const q = new URLSearchParams()
    assert.deepEqual(
      requestData(body('{"data":{"a":1}}', 'application/x-www-form-urlencoded'), 'update', q),
      { data: { a: 1 } },
    )
    assert.deepEqual(requestData(body('a=1&b=two', 'application/x-www-form-urlencoded'), 'update', q), {
      a: '1',
      b: 'two',
    })
    assert.deepEqual(requestData(body('{"x":true}', ''), 'update', q), { x: true })
    assert.throws(() => requestData(body('a=1', 'application/json'), 'update', q), /JSON/)
  })

  it("reads a repeated query parameter as a list and a repeated form field joined with commas, as Vault's parseQuery and parseFormRequest do", () => {
    const read = { ...req({}), body: Buffer.alloc(0) }
    assert.deepEqual(requestData(read, 'read', new URLSearchParams('version=1&version=2&x=a&list=true')), {
      version: ['1', '2'],
      x: 'a',
    })
    assert.deepEqual(
      requestData(
        body('a=1&a=2&b=two', 'application/x-www-form-urlencoded'),
        'update',
        new URLSearchParams(),
      ),
      { a: '1,2', b: 'two' },
    )
  })

  it('refuses JSON nested past the limit before parsing it, whatever the content type says', () => {
    const q = new URLSearchParams()
    const deep = (levels: number) => `{"data":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`
    for (const contentType of ['application/json', 'application/x-www-form-urlencoded', '']) {
      assert.throws(
        () => requestData(body(deep(10_000), contentType), 'update', q),
        (e: unknown) =>
          e instanceof AppError &&
          e.status === 400 &&
          e.message === 'request body nests deeper than 500 levels',
      )
    }
    assert.throws(() => requestData(body(deep(501), ''), 'patch', q), /nests deeper than 500 levels/)
    assert.equal(Array.isArray(requestData(body(deep(500), ''), 'update', q)['data']), true)
    assert.throws(
      () => requestData(body(deep(11), ''), 'update', q, { ...DEFAULT_JSON_LIMITS, depth: 10 }),
      /deeper than 10 levels/,
    )
  })

  it('refuses a number it cannot store as sent (overflow, underflow, a rounded integer) with a 400 that does not repeat it', () => {
    const q = new URLSearchParams()
    for (const [text, literal] of [
      ['{"data":{"x":1e309}}', '1e309'],
      ['{"data":{"x":1e-400}}', '1e-400'],
      ['{"data":{"id":9007199254740993}}', '9007199254740993'],
    ] as const)
      assert.throws(
        () => requestData(body(text, 'application/json'), 'update', q),
        (e: unknown) =>
          e instanceof AppError &&
          e.status === 400 &&
          e.message ===
            'failed to parse JSON input: a number in it cannot be stored exactly; send it as a string' &&
          !e.message.includes(literal),
      )
    assert.deepEqual(requestData(body('{"data":{"x":1e308,"id":"9007199254740993"}}', ''), 'update', q), {
      data: { x: 1e308, id: '9007199254740993' },
    })
  })

  it('refuses malformed JSON with a 400 that quotes none of the body, which may hold the secret being sent', () => {
    const q = new URLSearchParams()
    for (const [text, problem] of [
      ['{"password": hunter2secret}', /^failed to parse JSON input: Unexpected token in JSON$/],
      ['hunter2secret-wrapping-token', /^failed to parse JSON input: Unexpected token in JSON$/],
      [
        '{"data":{"password":"hunter2secret',
        /^failed to parse JSON input: Unterminated string in JSON at position 34/,
      ],
      [
        '{"data":{"password":"hunter2secret"} hunter2secret',
        /^failed to parse JSON input: Expected ',' or '}'/,
      ],
      [
        '{"key":"hunter2secret"}hunter2secret',
        /^failed to parse JSON input: Unexpected non-whitespace character/,
      ],
    ] as const)
      assert.throws(
        () => requestData(body(text, 'application/json'), 'update', q),
        (e: unknown) =>
          e instanceof AppError &&
          e.status === 400 &&
          problem.test(e.message) &&
          !/hunter|h'/.test(e.message) &&
          !e.message.includes('"'),
        text,
      )
  })

  it("refuses a million-key body before parsing it, past Vault's default of 10,000 entries, unless configured", () => {
    const flat = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`
    const million = flat(1_000_000)
    assert.ok(million.length < 32 * 1024 * 1024)
    assert.throws(
      () => requestData(body(million, 'application/json'), 'update', new URLSearchParams()),
      (error: AppError) =>
        error.status === 400 &&
        error.message ===
          'JSON object exceeds allowed entry count: request body has an object with more than 10000 entries (max_json_object_entry_count)',
    )
    const atLimit = requestData(body(flat(10_000), 'application/json'), 'update', new URLSearchParams())
    assert.equal(Object.keys(atLimit).length, 10_000)
    const raised = { ...DEFAULT_JSON_LIMITS, objectEntryCount: 1_000_000 }
    const data = requestData(body(million, 'application/json'), 'update', new URLSearchParams(), raised)
    assert.equal(Object.keys(data).length, 1_000_000)
  })

  it('refuses a string, an array or nesting past the limits with a message that quotes none of the body', () => {
    const q = new URLSearchParams()
    const secret = 'hunter2'.repeat(200_000)
    const cases: [string, RegExp][] = [
      [`{"password":"${secret}"}`, /^JSON string value exceeds allowed length: .* longer than 1048576 bytes/],
      [
        `{"password":"hunter2","keys":[${'1,'.repeat(10_000)}1]}`,
        /^JSON array exceeds allowed element count/,
      ],
      [`{"password":"hunter2","v":${'['.repeat(501)}${']'.repeat(501)}}`, /nests deeper than 500 levels/],
    ]
    for (const [text, message] of cases) {
      assert.throws(
        () => requestData(body(text, 'application/json'), 'update', q),
        (error: AppError) =>
          error.status === 400 && message.test(error.message) && !error.message.includes('hunter2'),
      )
    }
    const small = { ...DEFAULT_JSON_LIMITS, stringValueLength: 7, arrayElementCount: 2 }
    assert.deepEqual(requestData(body('{"p":"hunter2","a":[1,2]}', ''), 'update', q, small), {
      p: 'hunter2',
      a: [1, 2],
    })
    assert.throws(() => requestData(body('{"p":"hunter22"}', ''), 'update', q, small), /longer than 7 bytes/)
    assert.throws(() => requestData(body('{"a":[1,2,3]}', ''), 'update', q, small), /more than 2 elements/)
  })
})

describe('headers and token', () => {
  it('hides the token headers from backends', () => {
    const headers = plainHeaders(
      req({ 'x-vault-token': 't', authorization: 'Bearer t', 'x-other': ['a', 'b'], accept: 'json' }),
    )
    assert.equal(headers['x-vault-token'], undefined)
    assert.equal(headers['authorization'], undefined)
    assert.equal(headers['x-other'], 'a, b')
    assert.deepEqual(Object.keys(headers).sort(), ['accept', 'x-other'])
    assert.equal('accept' in headers, true)
  })
  it('drops the marker only the AWS front door sets on a ReEncrypt half, so a Vault client cannot claim one', () => {
    const headers = plainHeaders(
      req({ 'x-coffer-kms-reencrypt': 'from', 'x-amz-target': 'TrentService.Decrypt' }),
    )
    assert.deepEqual(Object.keys(headers), ['x-amz-target'])
  })
  it('takes the token from X-Vault-Token, else a Bearer authorization', () => {
    assert.equal(clientToken(req({ 'x-vault-token': ' abc ' })), 'abc')
    assert.equal(clientToken(req({ authorization: 'Bearer xyz' })), 'xyz')
    assert.equal(clientToken(req({ authorization: 'Basic xyz' })), '')
  })
})
