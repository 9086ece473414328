// The SCRAM-SHA-256 verifier checked against RFC 7677's example exchange (user "user", password "pencil").
import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { test } from 'node:test'
import { scramSha256Verifier } from './scram.ts'

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest()

test('the verifier proves the RFC 7677 client proof and yields its server signature', () => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64')
  const verifier = scramSha256Verifier('pencil', salt, 4096)
  const match = /^SCRAM-SHA-256\$4096:([^$]+)\$([^:]+):(.+)$/.exec(verifier)
  assert.ok(match, verifier)
  assert.equal(match[1], 'W22ZaJ0SNY7soEsUEjb6gQ==')
  const storedKey = Buffer.from(match[2]!, 'base64')
  const serverKey = Buffer.from(match[3]!, 'base64')
  const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0'
  const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=${nonce}`
  assert.equal(
    hmac(serverKey, authMessage).toString('base64'),
    '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
  )
  const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64')
  const clientSignature = hmac(storedKey, authMessage)
  const clientKey = Buffer.from(proof.map((byte, i) => byte ^ clientSignature[i]!))
  assert.deepEqual(createHash('sha256').update(clientKey).digest(), storedKey)
})

test('each verifier has a fresh salt and never contains the password', () => {
  const a = scramSha256Verifier('same-password')
  const b = scramSha256Verifier('same-password')
  assert.notEqual(a, b)
  assert.ok(!a.includes('same-password'))
})
