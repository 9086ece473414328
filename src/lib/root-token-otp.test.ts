// Tests for the root token OTP encoding.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeRootToken, encodeRootToken, generateOtp } from './root-token-otp.ts'

test('encoding XORs the token with the OTP and writes unpadded base64, as Vault does', () => {
  const token = 'hvs.ABCDEFGHIJKLMNOPQRSTUVWX'
  const otp = 'a'.repeat(token.length)
  const encoded = encodeRootToken(token, otp)
  assert.ok(!encoded.endsWith('='))
  const expected = Buffer.from([...Buffer.from(token)].map((byte) => byte ^ 0x61))
  assert.equal(Buffer.from(encoded, 'base64').toString('hex'), expected.toString('hex'))
  assert.equal(decodeRootToken(encoded, otp), token)
})

test('a generated OTP has the asked length and base62 characters, and round-trips a token', () => {
  const otp = generateOtp(51)
  assert.match(otp, /^[A-Za-z0-9]{51}$/)
  const token = `cvs.${'x'.repeat(47)}`
  assert.equal(decodeRootToken(encodeRootToken(token, otp), otp), token)
  assert.equal(decodeRootToken(`${encodeRootToken(token, otp)}=`, otp), token)
})

test('mismatched lengths and bad base64 are refused with a message', () => {
  assert.throws(() => encodeRootToken('abc', 'ab'), /same length/)
  assert.throws(() => decodeRootToken(encodeRootToken('abcd', 'wxyz'), 'wx'), /OTP is 2 characters/)
  assert.throws(() => decodeRootToken('!!', 'ab'), /not valid base64/)
})
