// Tests for reading configured PEM signing keys: public keys and certificates pass, private keys never do.
import assert from 'node:assert/strict'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { makeTempDir } from '../../test/helpers/server.ts'
import { makeSelfSignedCert } from '../../test/helpers/tls.ts'
import { PublicKeyPemError, parsePublicKeyPem } from './public-key-pem.ts'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ed = generateKeyPairSync('ed25519')
const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString()
const same = (a: KeyObject, b: KeyObject) => assert.ok(a.equals(b))

function refuses(pem: string, strict: boolean, message: string): void {
  assert.throws(
    () => parsePublicKeyPem(pem, { strict }),
    (error: unknown) => {
      assert.ok(error instanceof PublicKeyPemError, String(error))
      assert.equal(error.message, message)
      return true
    },
  )
}

const PRIVATE = 'a private key was given where a public key is expected; give its public key'

describe('parsePublicKeyPem', () => {
  it('reads SPKI public keys of every kind, and PKCS#1 RSA public keys', () => {
    for (const pair of [rsa, ec, ed])
      same(parsePublicKeyPem(spki(pair.publicKey), { strict: true }), pair.publicKey)
    const pkcs1 = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()
    same(parsePublicKeyPem(pkcs1, { strict: true }), rsa.publicKey)
    same(parsePublicKeyPem(`\n  ${spki(ec.publicKey)}\n\n`, { strict: true }), ec.publicKey)
  })

  it('reads a certificate’s public key', () => {
    const temp = makeTempDir()
    try {
      const cert = makeSelfSignedCert(temp.dir)
      if (!cert) throw new Error('openssl is needed to make the test certificate')
      const key = parsePublicKeyPem(readFileSync(cert.cert, 'utf8'), { strict: true })
      assert.equal(key.type, 'public')
      assert.equal(key.asymmetricKeyType, 'ec')
    } finally {
      temp.remove()
    }
  })

  it('refuses private keys in every encoding, with a message that does not quote them', () => {
    const privates = [
      rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
      ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    ]
    for (const pem of privates) for (const strict of [true, false]) refuses(pem, strict, PRIVATE)
    // Behind a valid public key, where trailing text is otherwise tolerated (the kubernetes method).
    refuses(`${spki(rsa.publicKey)}${privates[0]}`, false, PRIVATE)
    // A private key's DER under a public label is still not a public key.
    const relabelled = privates[0]!.replaceAll('PRIVATE KEY', 'PUBLIC KEY')
    refuses(relabelled, true, 'data does not contain any valid public keys')
  })

  it('strict mode refuses text after the key, as Vault’s jwt method does; lenient mode ignores it', () => {
    const two = `${spki(rsa.publicKey)}${spki(ec.publicKey)}`
    refuses(two, true, 'unexpected trailing data after parsed PEM block')
    same(parsePublicKeyPem(two, { strict: false }), rsa.publicKey)
  })

  it('refuses what is not a PEM public key', () => {
    for (const pem of [
      '',
      'x',
      'ssh-rsa AAAAB3Nza',
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
    ])
      refuses(pem, true, 'data does not contain any valid public keys')
  })
})
