// prehashed signing: RSA PKCS#1 v1.5 over a caller's digest (and hash_algorithm=none), checked against OpenSSL both ways;
// prehashed-pss.test.ts and prehashed-ecdsa.test.ts check the other schemes.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { openssl, opensslVerifiesDigest, signatureBytes } from './openssl-test-helpers.ts'
import { b64, dataOf, failure, makeTransit, storedKey } from './test-helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'coffer-prehashed-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Vault's name → OpenSSL's (and Node's) digest name. */
const HASHES: Record<string, string> = {
  sha1: 'sha1',
  'sha2-224': 'sha224',
  'sha2-256': 'sha256',
  'sha2-384': 'sha384',
  'sha2-512': 'sha512',
  'sha3-224': 'sha3-224',
  'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384',
  'sha3-512': 'sha3-512',
}

const file = (name: string, bytes: Buffer | string) => {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

async function rsaKey() {
  const h = await makeTransit()
  await h.call('create', 'keys/rsa', { type: 'rsa-2048' })
  const privateKey = crypto.createPrivateKey((await storedKey(h, 'rsa')).versions['1']?.private_key ?? '')
  const publicPem = crypto.createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString()
  return { h, privateKey, publicPem, pubFile: file(`pub-${crypto.randomUUID()}.pem`, publicPem) }
}

describe('transit prehashed signatures', () => {
  it('RSA PKCS#1 v1.5 over each hash: the signature of the message itself, verified by openssl as digest and as message', async () => {
    const { h, privateKey, pubFile } = await rsaKey()
    const message = Buffer.from('a message hashed by its owner')
    const msgFile = file('message.bin', message)
    for (const [vault, name] of Object.entries(HASHES)) {
      const digest = crypto.createHash(name).update(message).digest()
      const signed = dataOf(
        await h.call('update', 'sign/rsa', {
          input: b64(digest),
          prehashed: true,
          hash_algorithm: vault,
          signature_algorithm: 'pkcs1v15',
        }),
      )
      const signature = signatureBytes(signed['signature'])
      // Known answer: PKCS#1 v1.5 is deterministic, so signing the digest equals Node signing the message.
      assert.deepEqual(signature, crypto.sign(name, message, privateKey), vault)
      const sigFile = file('sig.bin', signature)
      const digestFile = file('digest.bin', digest)
      assert.ok(
        opensslVerifiesDigest(pubFile, digestFile, sigFile, ['-pkeyopt', `digest:${name}`]),
        `openssl pkeyutl ${vault}`,
      )
      assert.ok(
        openssl(['dgst', `-${name}`, '-verify', pubFile, '-signature', sigFile, msgFile]),
        `openssl dgst ${vault}`,
      )
      const verify = (input: Buffer) =>
        h.call('update', 'verify/rsa', {
          input: b64(input),
          signature: signed['signature'],
          prehashed: true,
          hash_algorithm: vault,
          signature_algorithm: 'pkcs1v15',
        })
      assert.equal(dataOf(await verify(digest))['valid'], true, vault)
      const tampered = Buffer.from(digest)
      tampered[0] = (tampered[0] ?? 0) ^ 1
      assert.equal(dataOf(await verify(tampered))['valid'], false, vault)
    }
  })

  it('verifies a digest signature openssl made, and refuses one of another digest', async () => {
    const { h } = await rsaKey()
    const stored = await storedKey(h, 'rsa')
    const keyFile = file('key.pem', stored.versions['1']?.private_key ?? '')
    const digest = crypto.createHash('sha256').update('openssl signs this').digest()
    const digestFile = file('d256.bin', digest)
    const sigFile = join(dir, 'openssl.sig')
    execFileSync('openssl', [
      'pkeyutl',
      '-sign',
      '-inkey',
      keyFile,
      '-in',
      digestFile,
      '-out',
      sigFile,
      '-pkeyopt',
      'digest:sha256',
    ])
    const signature = `vault:v1:${readFileSync(sigFile).toString('base64')}`
    const body = { signature, prehashed: true, signature_algorithm: 'pkcs1v15', hash_algorithm: 'sha2-256' }
    assert.equal(dataOf(await h.call('update', 'verify/rsa', { ...body, input: b64(digest) }))['valid'], true)
    const other = crypto.createHash('sha256').update('something else').digest()
    assert.equal(dataOf(await h.call('update', 'verify/rsa', { ...body, input: b64(other) }))['valid'], false)
  })

  it('hash_algorithm=none signs the input as is, with no DigestInfo, as openssl pkeyutl does without a digest', async () => {
    const { h, pubFile } = await rsaKey()
    const input = Buffer.from('any bytes, no hash algorithm named')
    const signed = dataOf(
      await h.call('update', 'sign/rsa', {
        input: b64(input),
        prehashed: true,
        hash_algorithm: 'none',
        signature_algorithm: 'pkcs1v15',
      }),
    )
    const sigFile = file('none.sig', signatureBytes(signed['signature']))
    assert.ok(opensslVerifiesDigest(pubFile, file('none.bin', input), sigFile))
    const verified = dataOf(
      await h.call('update', 'verify/rsa', {
        input: b64(input),
        signature: signed['signature'],
        prehashed: true,
        hash_algorithm: 'none',
        signature_algorithm: 'pkcs1v15',
      }),
    )
    assert.equal(verified['valid'], true)
  })

  it('refuses hash_algorithm=none but with prehashed PKCS#1 v1.5, and digests of the wrong length, with a 400', async () => {
    const { h } = await rsaKey()
    await h.call('create', 'keys/ec', { type: 'ecdsa-p256' })
    const digest = b64(crypto.createHash('sha256').update('m').digest())
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [
        'sign/rsa',
        { input: digest, hash_algorithm: 'none', signature_algorithm: 'pkcs1v15' },
        /requires both prehashed=true/,
      ],
      [
        'sign/rsa',
        { input: digest, prehashed: true, hash_algorithm: 'none' },
        /requires both prehashed=true/,
      ],
      ['sign/ec', { input: digest, hash_algorithm: 'none', prehashed: true }, /requires both prehashed=true/],
      [
        'sign/rsa',
        { input: digest, prehashed: true, signature_algorithm: 'other' },
        /unsupported rsa signature/,
      ],
      [
        'sign/rsa',
        { input: b64('short'), prehashed: true, signature_algorithm: 'pkcs1v15' },
        /must be a 32-byte sha256 digest/,
      ],
      [
        'verify/rsa',
        { input: b64('short'), prehashed: true, signature_algorithm: 'pkcs1v15', signature: 'vault:v1:AAAA' },
        /must be a 32-byte sha256 digest/,
      ],
    ]
    for (const [path, body, message] of cases) {
      const refused = await failure(() => h.call('update', path, body))
      assert.equal(refused.status, 400, JSON.stringify(body))
      assert.match(refused.message, message)
    }
  })
})
