// prehashed ECDSA signing (P-256/384/521, ASN.1 and JWS), checked against Node's signatures of the message and OpenSSL.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { after, describe, it } from 'node:test'
import { p256, p384, p521 } from '@noble/curves/nist.js'
import { opensslVerifiesDigest, scratch, signatureBytes } from './openssl-test-helpers.ts'
import { b64, dataOf, makeTransit, storedKey } from './test-helpers.ts'

const tmp = scratch('coffer-prehashed-ecdsa-')
after(() => tmp.remove())

const CURVES = { 'ecdsa-p256': p256, 'ecdsa-p384': p384, 'ecdsa-p521': p521 } as const
type EcType = keyof typeof CURVES

async function ecKey(type: EcType) {
  const h = await makeTransit()
  await h.call('create', 'keys/ec', { type })
  const pem = (await storedKey(h, 'ec')).versions['1']?.private_key ?? ''
  const publicKey = crypto.createPublicKey(pem)
  const pubFile = tmp.file(publicKey.export({ format: 'pem', type: 'spki' }).toString())
  return { h, pem, publicKey, pubFile, keyFile: tmp.file(pem) }
}

/** OpenSSL's verdict on a DER signature of a digest (pkeyutl signs and verifies the digest as given). */
const opensslVerifies = (pubFile: string, digest: Buffer, der: Buffer) =>
  opensslVerifiesDigest(pubFile, tmp.file(digest), tmp.file(der))

const flip = (bytes: Buffer) => {
  const copy = Buffer.from(bytes)
  copy[0] = (copy[0] ?? 0) ^ 1
  return copy
}

describe('transit prehashed ECDSA', () => {
  for (const type of Object.keys(CURVES) as EcType[]) {
    it(`${type}: signatures of digests verify as the message's with Node and as the digest's with openssl, both marshalings`, async () => {
      const { h, pem, publicKey, pubFile } = await ecKey(type)
      const message = Buffer.from(`a message for ${type}`)
      // Every hash, also one longer than the curve's order (cut to its bits, as Go and OpenSSL do) and a shorter one.
      for (const [vault, name] of [
        ['sha2-256', 'sha256'],
        ['sha2-384', 'sha384'],
        ['sha2-512', 'sha512'],
        ['sha1', 'sha1'],
      ] as const) {
        const digest = crypto.createHash(name).update(message).digest()
        const call = (path: string, body: Record<string, unknown>) =>
          h.call('update', path, { input: b64(digest), prehashed: true, hash_algorithm: vault, ...body })
        const der = signatureBytes(dataOf(await call('sign/ec', {}))['signature'])
        assert.ok(crypto.verify(name, message, publicKey, der), `${vault} node`)
        assert.ok(opensslVerifies(pubFile, digest, der), `${vault} openssl`)
        const jws = dataOf(await call('sign/ec', { marshaling_algorithm: 'jws' }))['signature']
        assert.match(String(jws), /^vault:v1:[A-Za-z0-9_-]+$/)
        const raw = signatureBytes(jws)
        assert.equal(raw.length, 2 * CURVES[type].Point.Fn.BYTES)
        assert.ok(
          crypto.verify(name, message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw),
          `${vault} jws`,
        )
        // Node's own signatures of the message verify as signatures of its digest, in both marshalings.
        const nodeDer = crypto.sign(name, message, pem)
        const nodeRaw = crypto.sign(name, message, { key: pem, dsaEncoding: 'ieee-p1363' })
        for (const [signature, marshaling_algorithm] of [
          [`vault:v1:${nodeDer.toString('base64')}`, 'asn1'],
          [`vault:v1:${nodeRaw.toString('base64url')}`, 'jws'],
          [String(jws), 'jws'],
        ] as const) {
          const verified = await call('verify/ec', { signature, marshaling_algorithm })
          assert.equal(dataOf(verified)['valid'], true, `${vault} ${marshaling_algorithm}`)
          const tampered = await h.call('update', 'verify/ec', {
            input: b64(flip(digest)),
            prehashed: true,
            hash_algorithm: vault,
            signature,
            marshaling_algorithm,
          })
          assert.equal(dataOf(tampered)['valid'], false, `${vault} ${marshaling_algorithm} tampered`)
        }
      }
    })
  }

  it('verifies what openssl signed over a digest, and high-S signatures (valid ECDSA, as Go and OpenSSL accept)', async () => {
    const { h, keyFile, pem } = await ecKey('ecdsa-p256')
    const digest = crypto.createHash('sha256').update('openssl signs this').digest()
    const fromOpenssl = tmp.output(['pkeyutl', '-sign', '-inkey', keyFile, '-in', tmp.file(digest)])
    const verify = async (der: Buffer | Uint8Array) =>
      dataOf(
        await h.call('update', 'verify/ec', {
          input: b64(digest),
          prehashed: true,
          signature: `vault:v1:${Buffer.from(der).toString('base64')}`,
        }),
      )['valid']
    assert.equal(await verify(fromOpenssl), true)
    // The same signature with s replaced by n - s is as valid: Node says so for the message, so must transit.
    const parsed = p256.Signature.fromBytes(fromOpenssl, 'der')
    const other = new p256.Signature(parsed.r, p256.Point.Fn.ORDER - parsed.s)
    const flipped = other.toBytes('der')
    const highS = parsed.hasHighS() ? fromOpenssl : flipped
    assert.ok(p256.Signature.fromBytes(highS, 'der').hasHighS())
    assert.ok(crypto.verify('sha256', Buffer.from('openssl signs this'), pem, highS))
    assert.equal(await verify(highS), true)
    assert.equal(await verify(flipped), true)
  })

  it('malformed signatures of a digest are invalid, never errors', async () => {
    const { h } = await ecKey('ecdsa-p384')
    const digest = crypto.createHash('sha384').update('m').digest()
    const good = String(
      dataOf(await h.call('update', 'sign/ec', { input: b64(digest), prehashed: true }))['signature'],
    )
    const der = signatureBytes(good)
    const cases: [string, string][] = [
      [Buffer.alloc(0).toString('base64'), 'asn1'],
      [Buffer.concat([der, Buffer.from([0])]).toString('base64'), 'asn1'],
      [der.subarray(0, der.length - 1).toString('base64'), 'asn1'],
      [crypto.randomBytes(96).toString('base64'), 'asn1'],
      [Buffer.from('3006020100020100', 'hex').toString('base64'), 'asn1'],
      [crypto.randomBytes(95).toString('base64url'), 'jws'],
      [Buffer.alloc(96).toString('base64url'), 'jws'],
      [Buffer.alloc(96, 0xff).toString('base64url'), 'jws'],
    ]
    for (const [payload, marshaling_algorithm] of cases) {
      const verified = await h.call('update', 'verify/ec', {
        input: b64(digest),
        prehashed: true,
        signature: `vault:v1:${payload}`,
        marshaling_algorithm,
      })
      assert.equal(dataOf(verified)['valid'], false, payload)
    }
    // Any digest length signs, as in Vault: empty, and far longer than any hash.
    for (const input of [Buffer.alloc(0), crypto.randomBytes(100_000)]) {
      const signed = dataOf(await h.call('update', 'sign/ec', { input: b64(input), prehashed: true }))
      const verified = await h.call('update', 'verify/ec', {
        input: b64(input),
        prehashed: true,
        signature: signed['signature'],
      })
      assert.equal(dataOf(verified)['valid'], true, `${input.length} bytes`)
    }
  })

  it('hash_algorithm=none with prehashed and pkcs1v15 signs the digest as is (Vault ignores the hash for ECDSA); batches sign each', async () => {
    const { h, pubFile } = await ecKey('ecdsa-p384')
    const digest = crypto.createHash('sha384').update('none').digest()
    const body = { prehashed: true, hash_algorithm: 'none', signature_algorithm: 'pkcs1v15' }
    const signed = dataOf(await h.call('update', 'sign/ec', { ...body, input: b64(digest) }))
    assert.ok(opensslVerifies(pubFile, digest, signatureBytes(signed['signature'])))
    const digests = ['a', 'b', 'c'].map((text) => crypto.createHash('sha256').update(text).digest())
    const batch = dataOf(
      await h.call('update', 'sign/ec', {
        prehashed: true,
        marshaling_algorithm: 'jws',
        batch_input: digests.map((d, i) => ({ input: b64(d), reference: String(i) })),
      }),
    )['batch_results'] as Record<string, unknown>[]
    assert.equal(batch.length, 3)
    const verified = dataOf(
      await h.call('update', 'verify/ec', {
        prehashed: true,
        marshaling_algorithm: 'jws',
        // Each signature against its own digest, and the first against the second's digest.
        batch_input: [
          ...batch.map((item, i) => ({
            input: b64(digests[i] ?? Buffer.alloc(0)),
            signature: item['signature'],
          })),
          { input: b64(digests[1] ?? Buffer.alloc(0)), signature: batch[0]?.['signature'] },
        ],
      }),
    )['batch_results'] as Record<string, unknown>[]
    assert.deepEqual(
      verified.map((item) => item['valid']),
      [true, true, true, false],
    )
  })
})
