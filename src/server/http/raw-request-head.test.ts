// The LIST head parser against the rules Node's parser applies to every other verb.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isRefusal, parseRequestHead, type RequestHead } from './raw-request-head.ts'

const LIMIT = 16 * 1024
const parse = (...headerLines: string[]) =>
  parseRequestHead(
    Buffer.from(['LIST /v1/x HTTP/1.1', 'Host: h', ...headerLines].join('\r\n'), 'latin1'),
    LIMIT,
  )
const ok = (...headerLines: string[]): RequestHead => {
  const head = parse(...headerLines)
  assert.ok(!isRefusal(head), JSON.stringify(head))
  return head
}
const status = (...headerLines: string[]) => {
  const head = parse(...headerLines)
  return isRefusal(head) ? head.status : 200
}

describe('parseRequestHead', () => {
  it('reads the target, lower-cased headers and a decimal Content-Length', () => {
    const head = ok('X-Vault-Token: t', 'Content-Length: 12')
    assert.equal(head.url, '/v1/x')
    assert.equal(head.headers['x-vault-token'], 't')
    assert.equal(head.contentLength, 12)
    assert.equal(ok().contentLength, 0)
  })

  it('accepts only the Content-Length values Node accepts', () => {
    for (const value of ['12', ' 12 ', '12\t', '012'])
      assert.equal(ok(`Content-Length: ${value}`).contentLength, 12)
    for (const value of ['0x10', '1e3', '+5', '-1', '', '1 2', '3, 3', '1.0', '１２']) {
      assert.equal(status(`Content-Length: ${value}`), 400, JSON.stringify(value))
    }
  })

  it('refuses two Content-Length headers, equal or not', () => {
    assert.equal(status('Content-Length: 3', 'Content-Length: 4'), 400)
    assert.equal(status('Content-Length: 3', 'content-length: 3'), 400)
  })

  it('merges repeated headers as node:http does', () => {
    const head = ok(
      'X-Vault-Token: a',
      'X-Vault-Token: b',
      'Authorization: Bearer first',
      'Authorization: Bearer second',
      'Cookie: a=1',
      'Cookie: b=2',
      'Set-Cookie: x',
      'Set-Cookie: y',
    )
    assert.equal(head.headers['x-vault-token'], 'a, b')
    assert.equal(head.headers['authorization'], 'Bearer first')
    assert.equal(head.headers['cookie'], 'a=1; b=2')
    assert.deepEqual(head.headers['set-cookie'], ['x', 'y'])
  })

  it('refuses lines without a colon, bad names, obs-fold, control characters and bare line feeds', () => {
    for (const line of ['NoColon', ': empty-name', 'Space : before', 'Bad(name): v', ' folded', '\tfolded']) {
      assert.equal(status(line), 400, JSON.stringify(line))
    }
    assert.equal(status('Foo: a', ' continued'), 400)
    assert.equal(status('Foo: a\x01b'), 400)
    assert.equal(status('Foo: a\nBar: b'), 400)
    assert.equal(status('Foo: a\rb'), 400)
    assert.equal(ok('Foo: caf\xe9').headers['foo'], 'caf\xe9')
  })

  it('refuses a bad request line, a missing Host on HTTP/1.1, and Transfer-Encoding', () => {
    const line = (text: string) => parseRequestHead(Buffer.from(text, 'latin1'), LIMIT)
    for (const text of [
      'LIST /v1/x HTTP/2.0',
      'LIST /v1/x',
      'LIST /v1/ x HTTP/1.1',
      'LIST /v1/\x01 HTTP/1.1',
    ]) {
      assert.ok(isRefusal(line(text)), JSON.stringify(text))
    }
    assert.ok(isRefusal(line('LIST /v1/x HTTP/1.1')))
    assert.ok(!isRefusal(line('LIST /v1/x HTTP/1.0')))
    assert.equal(status('Transfer-Encoding: chunked'), 400)
  })

  it('answers 505 to a well-formed version other than 1.0 and 1.1, 400 to a malformed one', () => {
    const line = (text: string) => {
      const head = parseRequestHead(Buffer.from(`${text}\r\nHost: h`, 'latin1'), LIMIT)
      return isRefusal(head) ? head.status : 200
    }
    for (const version of ['2.0', '1.2', '0.9', '3.0'])
      assert.equal(line(`LIST /v1/x HTTP/${version}`), 505, version)
    for (const version of ['HTTP/1.10', 'HTTP/11.1', 'http/1.1', 'HTTP/1', ''])
      assert.equal(line(`LIST /v1/x ${version}`), 400, version)
  })

  it('refuses two Host headers, a malformed one, or none on HTTP/1.1, saying which', () => {
    const message = (...lines: string[]) => {
      const head = parseRequestHead(
        Buffer.from(['LIST /v1/x HTTP/1.1', ...lines].join('\r\n'), 'latin1'),
        LIMIT,
      )
      return isRefusal(head) ? `${head.status} ${head.message}` : 'accepted'
    }
    assert.equal(message('Host: a', 'host: b'), '400 multiple Host headers')
    assert.equal(message('Host: a', 'Host: a'), '400 multiple Host headers')
    assert.equal(message('Host: a, b'), '400 malformed Host header')
    assert.equal(message('Host: a/b'), '400 malformed Host header')
    assert.equal(message(), '400 missing required Host header')
    assert.equal(message('Host: [::1]:8200'), 'accepted')
    assert.equal(message('Host:'), 'accepted')
  })

  it('answers 431 at Node’s 16 KiB, counted over the target, names and values', () => {
    // "/v1/x" + "Host" + "h" + "X" = 11 bytes besides the padding; Node refuses a count of 16384.
    assert.equal(status(`X: ${'a'.repeat(LIMIT - 12)}`), 200)
    assert.equal(status(`X: ${'a'.repeat(LIMIT - 11)}`), 431)
    assert.equal(status(...Array.from({ length: 999 }, () => 'Y: b')), 200)
    assert.equal(status(...Array.from({ length: 1000 }, () => 'Y: b')), 431)
  })

  it('answers 414 when the target alone reaches the limit', () => {
    const refusal = parseRequestHead(Buffer.from(`LIST /${'a'.repeat(LIMIT)} HTTP/1.1\r\nHost: h`), LIMIT)
    assert.deepEqual(refusal, { status: 414, message: 'request URI too long' })
  })
})
