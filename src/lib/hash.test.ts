// Constant-time comparison and HMAC helpers.
import assert from 'node:assert/strict'
import { createSecretKey } from 'node:crypto'
import { it } from 'node:test'
import { constantTimeEqual, hmacSha256Hex } from './hash.ts'

it('compares strings for equality, ASCII and not', () => {
  assert.equal(constantTimeEqual('abc123', 'abc123'), true)
  assert.equal(constantTimeEqual('abc123', 'abc124'), false)
  assert.equal(constantTimeEqual('abc', 'abcd'), false)
  assert.equal(constantTimeEqual('', ''), true)
  assert.equal(constantTimeEqual('héllo', 'héllo'), true)
  assert.equal(constantTimeEqual('héllo', 'hello'), false)
  assert.equal(constantTimeEqual('é', 'ab'), false)
})

it('gives the same HMAC for raw and KeyObject keys (RFC 4231 test case 2)', () => {
  const expected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'
  assert.equal(hmacSha256Hex('Jefe', 'what do ya want for nothing?'), expected)
  assert.equal(hmacSha256Hex(createSecretKey(Buffer.from('Jefe')), 'what do ya want for nothing?'), expected)
})
