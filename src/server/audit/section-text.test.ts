// Remembered section texts are exactly what hashing and serialising each section afresh gives, hit or miss.
import assert from 'node:assert/strict'
import { createSecretKey } from 'node:crypto'
import { it } from 'node:test'
import { dataMemo } from './audit-data.ts'
import { type AuditRequest, type AuditResponse, buildEntry, buildRequestAuth } from './entry.ts'
import {
  type HashOptions,
  hashAuthSection,
  hashRequestSection,
  hashResponseSection,
  memoisedHmac,
  withExemptions,
} from './hmac.ts'
import { partText } from './line-part.ts'
import { SectionTexts } from './section-text.ts'

const hmac = memoisedHmac(createSecretKey(Buffer.alloc(32, 7)))
const OPTIONS: HashOptions = { hmacAccessor: true, logRaw: false }
const ELIDING: HashOptions = { hmacAccessor: true, logRaw: false, elideListResponses: true }

const auth = (token: string) =>
  Object.freeze(
    buildRequestAuth({ clientToken: token, accessor: `acc-${token}`, displayName: 'token', policies: ['p'] }),
  )

function request(
  id: string,
  fields: { token?: string; path?: string; operation?: string; remote?: string; data?: object } = {},
): AuditRequest {
  return buildEntry({
    type: 'request',
    time: '2024-05-01T00:00:00.000000000Z',
    request: {
      id,
      operation: fields.operation ?? 'read',
      mountPoint: 'secret/',
      mountType: 'kv',
      mountAccessor: 'kv_1',
      clientToken: fields.token ?? 'cvs.one',
      clientTokenAccessor: 'acc-one',
      path: fields.path ?? 'secret/data/x',
      remoteAddress: fields.remote ?? '127.0.0.1',
      ...(fields.data ? { data: fields.data as never } : {}),
    },
  }).request!
}

function response(data: object, mountPoint = 'secret/'): AuditResponse {
  return buildEntry({
    type: 'response',
    time: '2024-05-01T00:00:00.000000000Z',
    request: { id: 'r', operation: 'read', path: 'secret/data/x', mountPoint, mountType: 'kv' },
    response: { data: data as never },
  }).response!
}

const freshRequest = (section: AuditRequest, options = OPTIONS) =>
  JSON.stringify(hashRequestSection(section, hmac, options))
const freshResponse = (section: AuditResponse, operation: string, options = OPTIONS) =>
  JSON.stringify(hashResponseSection(section, operation, hmac, options))

it("a token's request section: the remembered text with each request's own id, and afresh whenever a member differs", () => {
  const texts = new SectionTexts(hmac, dataMemo())
  const one = auth('cvs.one')
  const variants: AuditRequest[] = [
    request('id-1'),
    request('id-2'),
    request('id-"3"\u2028'),
    request('id-4', { path: 'secret/data/y' }),
    request('id-5', { operation: 'list' }),
    request('id-6', { remote: '10.0.0.9' }),
    request('id-7', { token: 'cvs.two' }),
    request('id-8', { data: { password: 'hunter2' } }),
    request('id-9'),
  ]
  for (const section of variants) assert.equal(texts.request(section, one, OPTIONS), freshRequest(section))
  // Other options (a mount's exemptions merged in) never take the device's text.
  const merged = withExemptions(OPTIONS, { request: ['password'], response: [] })
  const withData = request('id-10', { data: { password: 'hunter2' } })
  assert.equal(texts.request(withData, one, merged), freshRequest(withData, merged))
  assert.match(texts.request(withData, one, merged), /"password":"hunter2"/)
  assert.equal(
    texts.request(request('id-11'), one, { ...OPTIONS, hmacAccessor: false }),
    freshRequest(request('id-11'), { ...OPTIONS, hmacAccessor: false }),
  )
  // An unfrozen auth section, or none, is never a key.
  assert.equal(texts.request(request('id-12'), { ...one }, OPTIONS), freshRequest(request('id-12')))
  assert.equal(texts.request(request('id-13'), undefined, OPTIONS), freshRequest(request('id-13')))
  // No token in clear, hit or miss.
  for (let i = 0; i < 3; i++)
    assert.doesNotMatch(texts.request(request(`id-${20 + i}`), one, OPTIONS), /cvs\.one/)
})

it("a frozen answer's response section: remembered per data object, options and operation", () => {
  const texts = new SectionTexts(hmac, dataMemo())
  const data = Object.freeze({
    data: Object.freeze({ password: 'hunter22', pin: 1234 }),
    metadata: Object.freeze({ version: 3, destroyed: false }),
  })
  const list = Object.freeze({ keys: Object.freeze(['a', 'b']) })
  const cases: [AuditResponse, string, HashOptions][] = [
    [response(data), 'read', OPTIONS],
    [response(data), 'read', OPTIONS],
    [response(data, 'other/'), 'read', OPTIONS],
    [response(data), 'read', withExemptions(OPTIONS, { request: [], response: ['version'] })],
    [response(list), 'list', ELIDING],
    [response(list), 'read', ELIDING],
    [response(list), 'list', ELIDING],
    [response({ data: { password: 'unfrozen' } }), 'read', OPTIONS],
  ]
  for (const [section, operation, options] of cases)
    assert.equal(texts.response(section, operation, options), freshResponse(section, operation, options))
  assert.doesNotMatch(texts.response(response(data), 'read', OPTIONS), /hunter22|1234/)
})

it("a token's auth section is remembered only when frozen", () => {
  const texts = new SectionTexts(hmac, dataMemo())
  const one = auth('cvs.one')
  const expected = JSON.stringify(hashAuthSection(one, hmac, OPTIONS))
  assert.equal(texts.auth(one, OPTIONS), expected)
  assert.equal(texts.auth(one, OPTIONS), expected)
  const open = { ...one, display_name: 'changed' }
  assert.equal(texts.auth(open, OPTIONS), JSON.stringify(hashAuthSection(open, hmac, OPTIONS)))
})

it('hands remembered sections out with their UTF-8 bytes, made once; fresh ones as plain text', () => {
  const texts = new SectionTexts(hmac, dataMemo())
  const one = Object.freeze(
    buildRequestAuth({
      clientToken: 'cvs.one',
      accessor: 'acc-one',
      displayName: 'tøken 🔑',
      policies: ['p'],
    }),
  )
  const data = Object.freeze({ data: Object.freeze({ note: 'naïve ✓' }) })
  const section = (id: string) => request(id, { path: 'secret/data/café' })
  const parts = (id: string) =>
    [
      texts.authPart(one, OPTIONS),
      texts.requestParts(section(id), one, OPTIONS),
      texts.responsePart(response(data), 'read', OPTIONS),
    ] as const
  // The first request section is made afresh (nothing remembered yet): its text comes whole.
  const first = parts('id-1')
  assert.deepEqual(first[1], [freshRequest(section('id-1'))])
  const [authPart, requestParts, responsePart] = parts('id-2')
  // Remembered: `{"id":`, the id's JSON, then the rest; together the section's text.
  assert.equal(requestParts.length, 3)
  assert.equal(requestParts[1], '"id-2"')
  assert.equal(requestParts.map(partText).join(''), freshRequest(section('id-2')))
  for (const part of [authPart, requestParts[0], requestParts[2], responsePart]) {
    assert.ok(part !== undefined && typeof part !== 'string', 'remembered, with bytes')
    assert.ok(part.bytes.equals(Buffer.from(part.text, 'utf8')))
  }
  assert.equal(authPart, first[0], 'the same object from read to read: encoded once')
  assert.equal(responsePart, first[2])
  assert.equal(typeof texts.authPart({ ...one }, OPTIONS), 'string', 'an unfrozen section is not remembered')
})
