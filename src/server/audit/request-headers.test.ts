// Audited request headers: name checks, which headers an entry carries, and how each device hashes their values.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { auditHmac } from './hmac.ts'
import { auditedHeaderSet, checkHeaderName, hashHeaders, selectHeaders } from './request-headers.ts'

const SALT = Buffer.from('request-headers-test-salt')
const h = (value: string) => auditHmac(SALT, value)
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

describe('checkHeaderName', () => {
  it('accepts an RFC 9110 token and answers it lower-cased', () => {
    assert.equal(checkHeaderName('X-Test-Header'), 'x-test-header')
    assert.equal(checkHeaderName("x_!#$%&'*+.^`|~9"), "x_!#$%&'*+.^`|~9")
  })

  it('refuses an empty name, a name with characters a header name cannot have, and an absurdly long one', () => {
    for (const bad of [
      '',
      ' ',
      'a b',
      'a:b',
      'a/b',
      'a\u0000b',
      'a\nb',
      'é',
      'a"b',
      'a,b',
      '(a)',
      'x'.repeat(257),
    ])
      assert.throws(() => checkHeaderName(bad), InvalidRequestError, JSON.stringify(bad))
    assert.equal(checkHeaderName('x'.repeat(256)), 'x'.repeat(256))
  })
})

describe('auditedHeaderSet', () => {
  it('is undefined when nothing is configured: the hot path checks that alone', () => {
    assert.equal(auditedHeaderSet(new Map()), undefined)
  })

  it('lists the names sorted (Go writes map keys sorted) and knows which stay in clear', () => {
    const set = auditedHeaderSet(
      new Map([
        ['x-b', true],
        ['x-a', false],
      ]),
    )!
    assert.deepEqual(set.names, ['x-a', 'x-b'])
    assert.deepEqual([...set.clear], ['x-a'])
    assert.ok(Object.isFrozen(set) && Object.isFrozen(set.names))
  })
})

describe('selectHeaders', () => {
  const set = auditedHeaderSet(
    new Map([
      ['x-test-header', false],
      ['x-vault-header', true],
      ['x-absent', true],
    ]),
  )!

  it('takes the configured headers the request has, as lists of values keyed by lower-cased name', () => {
    const selected = selectHeaders(set, {
      'x-test-header': 'foo',
      'x-vault-header': 'bar',
      'x-other': 'baz',
    })
    assert.deepEqual(plain(selected), { 'x-test-header': ['foo'], 'x-vault-header': ['bar'] })
  })

  it('is undefined when the request has none of them', () => {
    assert.equal(selectHeaders(set, { 'x-other': 'baz' }), undefined)
  })

  it('never takes the token headers, whatever is configured', () => {
    const tokens = auditedHeaderSet(
      new Map([
        ['x-vault-token', false],
        ['authorization', false],
      ]),
    )!
    assert.equal(
      selectHeaders(tokens, { 'x-vault-token': 'hvs.secret', authorization: 'Bearer hvs.x' }),
      undefined,
    )
  })

  it('takes a header named __proto__ as an ordinary key, and never a value it does not own', () => {
    const proto = auditedHeaderSet(
      new Map([
        ['__proto__', false],
        ['constructor', false],
      ]),
    )!
    assert.equal(selectHeaders(proto, {}), undefined)
    // JSON.parse makes __proto__ an own key, as a header record built from the wire would have it.
    const headers = JSON.parse('{"__proto__":"p"}') as Record<string, string>
    const selected = selectHeaders(proto, headers)!
    assert.deepEqual(Object.keys(selected), ['__proto__'])
    assert.equal(JSON.stringify(selected), '{"__proto__":["p"]}')
  })
})

describe('hashHeaders', () => {
  it('HMACs every value but those of the headers recorded in clear, leaving the input alone', () => {
    const headers = { 'x-clear': ['a'], 'x-secret': ['b', 'c'] }
    const hashed = hashHeaders(headers, h, new Set(['x-clear']))
    assert.deepEqual(plain(hashed), { 'x-clear': ['a'], 'x-secret': [h('b'), h('c')] })
    assert.deepEqual(headers, { 'x-clear': ['a'], 'x-secret': ['b', 'c'] })
  })

  it('HMACs everything when no clear set is given: a caller that forgets it cannot leak a value', () => {
    assert.deepEqual(plain(hashHeaders({ 'x-clear': ['a'] }, h, undefined)), { 'x-clear': [h('a')] })
  })
})
