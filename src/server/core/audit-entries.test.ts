// Audit entries core builds: a request refused before any token was accepted records its data only within budget,
// and the token it presented.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { DENIED_DATA_BUDGET } from '../audit/elided-data.ts'
import { auditedHeaderSet } from '../audit/request-headers.ts'
import { type AuditContext, entryPair, requestEntry, responseEntry } from './audit-entries.ts'
import type { LogicalRequest } from './logical-request.ts'
import type { TokenEntry } from './token/token-entry.ts'

function context(
  data: Record<string, unknown>,
  headers: Record<string, string>,
  token?: TokenEntry,
): AuditContext {
  const request: LogicalRequest = {
    id: 'req-1',
    operation: 'update',
    path: 'secret/data/x',
    data,
    token: token ? 'hvs.caller' : 'hvs.unknown',
    headers,
    contentType: 'application/json',
    remoteAddress: '203.0.113.9',
  }
  return {
    request,
    backendRequest: undefined,
    mount: undefined,
    auth: token ? { token: 'hvs.caller', entry: token } : undefined,
    allowed: false,
    now: 0,
  }
}

const bigBody = () =>
  Object.fromEntries(Array.from({ length: 2 * DENIED_DATA_BUDGET.values }, (_, i) => [`k${i}`, `v${i}`]))

it('summarises a large body refused before any token was accepted: path, operation, address, keys, bytes', () => {
  const data = bigBody()
  const length = JSON.stringify(data).length
  const entry = requestEntry(context(data, { 'content-length': String(length) }), 'permission denied')
  assert.equal(entry.request?.data, undefined, 'no value of the body is recorded, not even HMAC’d')
  assert.deepEqual(entry.request?.data_elided, {
    reason: 'unauthenticated',
    keys: 2 * DENIED_DATA_BUDGET.values,
    bytes: length,
  })
  assert.equal(entry.request?.path, 'secret/data/x')
  assert.equal(entry.request?.operation, 'update')
  assert.equal(entry.request?.remote_address, '203.0.113.9')
  assert.equal(entry.error, 'permission denied')
  // Without a Content-Length (a chunked body) the bytes are measured from the data.
  const chunked = requestEntry(context(data, {}), 'permission denied')
  assert.equal(chunked.request?.data_elided?.keys, 2 * DENIED_DATA_BUDGET.values)
  assert.ok((chunked.request?.data_elided?.bytes ?? 0) > 0)
})

it('records a small refused body, and any body of a caller whose token was accepted, in full', () => {
  const small = requestEntry(context({ password: 'guess' }, { 'content-length': '22' }), 'permission denied')
  assert.deepEqual(small.request?.data, { password: 'guess' })
  assert.equal(small.request?.data_elided, undefined)
  const token = {
    accessor: 'acc',
    policies: ['default'],
    meta: {},
    displayName: 'token',
    numUses: 0,
    entityId: '',
    type: 'service',
    expireTime: 0,
  } as unknown as TokenEntry
  const data = bigBody()
  const denied = requestEntry(context(data, { 'content-length': '100000' }, token), 'permission denied')
  assert.equal(denied.request?.data, data, 'an ACL denial names its caller, who is accountable for the body')
  assert.equal(denied.request?.data_elided, undefined)
})

function tokenEntry(overrides: Partial<TokenEntry> = {}): TokenEntry {
  return {
    accessor: 'acc-1',
    displayName: 'token',
    policies: ['default', 'dev'],
    meta: { team: 'a' },
    entityId: '',
    type: 'service',
    numUses: 0,
    expireTime: 3_600_000,
    ...overrides,
  } as unknown as TokenEntry
}

function readContext(entry: TokenEntry, now = 0, allowed = true): AuditContext {
  return { ...context({}, {}, entry), allowed, now }
}

it("shares one frozen auth section across a token's entries while nothing it records changes", () => {
  const entry = tokenEntry()
  const first = requestEntry(readContext(entry))
  const second = responseEntry(readContext(entry), { data: {} } as never)
  assert.equal(first.auth, second.auth, 'the same section object: the broker remembers its hashed text')
  assert.ok(Object.isFrozen(first.auth))
  assert.deepEqual(first.auth, {
    client_token: 'hvs.caller',
    accessor: 'acc-1',
    display_name: 'token',
    policies: ['default', 'dev'],
    token_policies: ['default', 'dev'],
    policy_results: { allowed: true },
    metadata: { team: 'a' },
    token_type: 'service',
    token_ttl: 3600,
  })
})

it('builds a fresh auth section when the token entry changes, in place or replaced, or its TTL moves', () => {
  const entry = tokenEntry()
  const before = requestEntry(readContext(entry)).auth
  // In place: new policies, new metadata, a display name.
  entry.policies.push('ops')
  const policies = requestEntry(readContext(entry)).auth
  assert.notEqual(policies, before)
  assert.deepEqual(policies?.policies, ['default', 'dev', 'ops'])
  assert.deepEqual(before?.policies, ['default', 'dev'], 'an earlier section is never changed')
  entry.meta['team'] = 'b'
  assert.deepEqual(requestEntry(readContext(entry)).auth?.metadata, { team: 'b' })
  entry.meta['extra'] = 'c'
  assert.deepEqual(requestEntry(readContext(entry)).auth?.metadata, { team: 'b', extra: 'c' })
  entry.displayName = 'renamed'
  assert.equal(requestEntry(readContext(entry)).auth?.display_name, 'renamed')
  // Replaced, as the token store does on a spent use or a renewal.
  const spent = { ...entry, numUses: 4 }
  assert.equal(requestEntry(readContext(spent)).auth?.remaining_uses, 4)
  const renewed = { ...entry, expireTime: 7_200_000 }
  assert.equal(requestEntry(readContext(renewed)).auth?.token_ttl, 7200)
  // The TTL moves with the clock, and a denial is recorded as one.
  assert.equal(requestEntry(readContext(entry, 1_500)).auth?.token_ttl, 3599)
  assert.deepEqual(requestEntry(readContext(entry, 1_500, false)).auth?.policy_results, { allowed: false })
})

it("builds a read's entry pair equal to separately built entries, the response sharing the request's sections", () => {
  for (const ctx of [readContext(tokenEntry(), 5_000), context({ q: 'x' }, {})]) {
    const out = { data: { value: 'v' }, warnings: ['w'] } as never
    const [request, response] = entryPair(ctx, out)
    assert.deepEqual(request, requestEntry(ctx))
    assert.deepEqual(response, responseEntry(ctx, out))
    assert.deepEqual(Object.keys(response), Object.keys(responseEntry(ctx, out)))
    assert.equal(response.request, request.request)
    assert.equal(response.auth, request.auth)
    const [, failed] = entryPair(ctx, undefined, 'permission denied')
    assert.deepEqual(failed, responseEntry(ctx, undefined, 'permission denied'))
  }
})

it('records the token a refused request presented, though it resolved to nothing (the device HMACs it)', () => {
  const entry = requestEntry(context({}, {}), 'permission denied')
  assert.equal(entry.request?.client_token, 'hvs.unknown')
  assert.equal(entry.request?.client_token_accessor, undefined)
  const login = context({}, {})
  login.request.token = ''
  assert.equal(requestEntry(login).request?.client_token, undefined, 'nothing presented, nothing recorded')
})

it('audited request headers: the configured ones present go into both entries’ request sections, in clear', () => {
  const ctx = context({}, { 'x-b': 'two', 'x-a': 'one', 'x-other': 'never' }, tokenEntry())
  ctx.auditedHeaders = auditedHeaderSet(
    new Map([
      ['x-a', false],
      ['x-b', true],
      ['x-absent', true],
    ]),
  )
  const [request, response] = entryPair(ctx, { data: { ok: true } })
  // In clear here: each device HMACs the hmac ones as it writes (hashHeaders), with its own salt.
  assert.equal(JSON.stringify(request.request?.headers), '{"x-a":["one"],"x-b":["two"]}')
  assert.equal(response.request, request.request)
  assert.equal(
    JSON.stringify(responseEntry(ctx, { data: {} }).request?.headers),
    '{"x-a":["one"],"x-b":["two"]}',
  )
})

it('audited request headers: with none configured, the request’s headers are never even looked at', () => {
  const touched: string[] = []
  const headers = new Proxy({} as Record<string, string>, {
    get: (_, name) => {
      touched.push(String(name))
      return undefined
    },
    getOwnPropertyDescriptor: (_, name) => {
      touched.push(String(name))
      return undefined
    },
  })
  const [request] = entryPair(context({}, headers, tokenEntry()), { data: {} })
  assert.equal(request.request?.headers, undefined)
  assert.deepEqual(touched, [])
})
