// prehashed RSA-PSS signing and Vault's salt_length rules, checked against Node's signatures of the message and OpenSSL.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { after, describe, it } from 'node:test'
import { isAppError } from '../../../sdk/errors.ts'
import { opensslVerifiesDigest, scratch, signatureBytes } from './openssl-test-helpers.ts'
import { b64, dataOf, failure, makeTransit, storedKey } from './test-helpers.ts'

const tmp = scratch('coffer-prehashed-pss-')
after(() => tmp.remove())

async function rsaKey(type = 'rsa-2048') {
  const h = await makeTransit()
  await h.call('create', 'keys/rsa', { type })
  const pem = (await storedKey(h, 'rsa')).versions['1']?.private_key ?? ''
  const publicKey = crypto.createPublicKey(pem)
  const pubFile = tmp.file(publicKey.export({ format: 'pem', type: 'spki' }).toString())
  return { h, pem, publicKey, pubFile, keyFile: tmp.file(pem) }
}

/** openssl's verdict on a PSS signature of a digest with the given salt length (a number, `digest`, `max` or `auto`). */
const opensslVerifies = (pubFile: string, hash: string, digest: Buffer, signature: Buffer, salt: string) =>
  opensslVerifiesDigest(pubFile, tmp.file(digest), tmp.file(signature), [
    '-pkeyopt',
    'rsa_padding_mode:pss',
    '-pkeyopt',
    `rsa_pss_saltlen:${salt}`,
    '-pkeyopt',
    `digest:${hash}`,
  ])

const pss = (key: crypto.KeyObject, saltLength: number) => ({
  key,
  padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
  saltLength,
})

const flip = (bytes: Buffer) => {
  const copy = Buffer.from(bytes)
  copy[0] = (copy[0] ?? 0) ^ 1
  return copy
}

describe('transit prehashed RSA-PSS', () => {
  for (const type of ['rsa-2048', 'rsa-3072', 'rsa-4096']) {
    it(`${type}: each salt_length signs what Node verifies as the message's and openssl as the digest's`, async () => {
      const { h, pem, publicKey, pubFile } = await rsaKey(type)
      const bytes = Number(type.slice(4)) / 8
      const message = Buffer.from(`a message for ${type}`)
      for (const [vault, name] of [
        ['sha2-256', 'sha256'],
        ['sha2-512', 'sha512'],
        ['sha3-384', 'sha3-384'],
      ] as const) {
        const digest = crypto.createHash(name).update(message).digest()
        const max = bytes - 2 - digest.length
        // salt_length → the salt openssl must find (auto signs with the largest salt the key allows).
        for (const [salt_length, expected] of [
          [undefined, max],
          ['auto', max],
          ['hash', digest.length],
          ['HASH', digest.length],
          ['20', 20],
          [String(max), max],
        ] as const) {
          const body = { prehashed: true, hash_algorithm: vault, ...(salt_length ? { salt_length } : {}) }
          const signed = dataOf(await h.call('update', 'sign/rsa', { ...body, input: b64(digest) }))
          const signature = signatureBytes(signed['signature'])
          const label = `${vault} ${salt_length}`
          assert.ok(crypto.verify(name, message, pss(publicKey, expected), signature), label)
          assert.ok(opensslVerifies(pubFile, name, digest, signature, String(expected)), `${label} openssl`)
          assert.ok(
            !crypto.verify(name, message, pss(publicKey, expected - 1), signature),
            `${label} other salt`,
          )
          // The same request verifies it; the message's verification (not prehashed) too, with an auto salt.
          const verify = (input: Buffer, extra: Record<string, unknown> = {}) =>
            h.call('update', 'verify/rsa', {
              ...body,
              ...extra,
              input: b64(input),
              signature: signed['signature'],
            })
          assert.equal(dataOf(await verify(digest))['valid'], true, label)
          assert.equal(dataOf(await verify(flip(digest)))['valid'], false, `${label} tampered`)
          const plain = await verify(message, { prehashed: false, salt_length: 'auto' })
          assert.equal(dataOf(plain)['valid'], true, `${label} as message`)
        }
        // Node's signatures of the message verify as the digest's: auto finds any salt, a number wants exactly it.
        for (const salt of [0, 1, digest.length, max]) {
          const signature = `vault:v1:${crypto.sign(name, message, pss(crypto.createPrivateKey(pem), salt)).toString('base64')}`
          const verify = async (salt_length: string) =>
            dataOf(
              await h.call('update', 'verify/rsa', {
                input: b64(digest),
                prehashed: true,
                hash_algorithm: vault,
                signature,
                salt_length,
              }),
            )['valid']
          assert.equal(await verify('auto'), true, `${vault} node salt ${salt}`)
          if (salt > 0) assert.equal(await verify(String(salt)), true, `${vault} node salt ${salt} exact`)
          assert.equal(await verify('hash'), salt === digest.length, `${vault} node salt ${salt} hash`)
        }
      }
    })
  }

  it('verifies what openssl signed over a digest with any salt length', async () => {
    const { h, keyFile } = await rsaKey()
    const digest = crypto.createHash('sha256').update('openssl signs this').digest()
    for (const salt of ['0', '32', 'max', '7']) {
      const signature = tmp.output([
        'pkeyutl',
        '-sign',
        '-inkey',
        keyFile,
        '-in',
        tmp.file(digest),
        '-pkeyopt',
        'rsa_padding_mode:pss',
        '-pkeyopt',
        `rsa_pss_saltlen:${salt}`,
        '-pkeyopt',
        'digest:sha256',
      ])
      const verified = await h.call('update', 'verify/rsa', {
        input: b64(digest),
        prehashed: true,
        signature: `vault:v1:${signature.toString('base64')}`,
      })
      assert.equal(dataOf(verified)['valid'], true, salt)
    }
  })

  it('salt_length outside what Vault allows, and digests of the wrong length, are 400s; malformed signatures invalid', async () => {
    const { h } = await rsaKey()
    const digest = crypto.createHash('sha256').update('m').digest()
    const refusals: [string, Record<string, unknown>, RegExp][] = [
      ['sign/rsa', { salt_length: 'most' }, /^salt length neither 'auto', 'hash', nor an int: most$/],
      ['sign/rsa', { salt_length: '1.5' }, /neither 'auto', 'hash', nor an int/],
      ['sign/rsa', { salt_length: '-2' }, /^salt length is invalid: -2$/],
      ['sign/rsa', { salt_length: '223' }, /^requested salt length 223 is invalid$/],
      [
        'verify/rsa',
        { salt_length: '223', signature: 'vault:v1:AAAA' },
        /^requested salt length 223 is invalid$/,
      ],
      ['sign/rsa', { salt_length: '223', prehashed: false }, /^requested salt length 223 is invalid$/],
      ['sign/rsa', { input: b64(digest.subarray(1)) }, /must be a 32-byte sha256 digest/],
      ['sign/rsa', { input: b64(Buffer.concat([digest, digest])) }, /must be a 32-byte sha256 digest/],
      ['sign/rsa', { input: '' }, /must be a 32-byte sha256 digest/],
      ['sign/rsa', { hash_algorithm: 'sha2-512' }, /must be a 64-byte sha512 digest/],
      ['verify/rsa', { input: b64('short'), signature: 'vault:v1:AAAA' }, /must be a 32-byte sha256 digest/],
      ['sign/rsa', { hash_algorithm: 'md5' }, /invalid hash algorithm "md5"/],
    ]
    for (const [path, extra, message] of refusals) {
      const refused = await failure(() =>
        h.call('update', path, { input: b64(digest), prehashed: true, ...extra }),
      )
      assert.equal(refused.status, 400, JSON.stringify(extra))
      assert.match(refused.message, message, JSON.stringify(extra))
    }
    // The largest salt for a 2048-bit key and SHA-256 (256 - 2 - 32) is allowed, and -1 means hash, as in Go.
    for (const salt_length of ['222', '-1', '+5', '0']) {
      const signed = await h.call('update', 'sign/rsa', { input: b64(digest), prehashed: true, salt_length })
      assert.match(String(dataOf(signed)['signature']), /^vault:v1:/, salt_length)
    }
    const modulus = 256
    for (const payload of [
      '',
      crypto.randomBytes(modulus - 1).toString('base64'),
      crypto.randomBytes(modulus + 1).toString('base64'),
      Buffer.alloc(modulus, 0xff).toString('base64'),
      Buffer.alloc(modulus).toString('base64'),
      crypto.randomBytes(modulus).toString('base64'),
    ]) {
      for (const salt_length of ['auto', 'hash', '20']) {
        const verified = await h.call('update', 'verify/rsa', {
          input: b64(digest),
          prehashed: true,
          salt_length,
          signature: `vault:v1:${payload}`,
        })
        assert.equal(dataOf(verified)['valid'], false, `${payload.length} ${salt_length}`)
      }
    }
  })

  it('salt_length applies to signatures of the message too (not prehashed)', async () => {
    const { h, publicKey } = await rsaKey()
    const message = Buffer.from('not prehashed')
    for (const [salt_length, salt] of [
      ['hash', 32],
      ['auto', 222],
      ['10', 10],
    ] as const) {
      const signed = dataOf(await h.call('update', 'sign/rsa', { input: b64(message), salt_length }))
      const signature = signatureBytes(signed['signature'])
      assert.ok(crypto.verify('sha256', message, pss(publicKey, salt), signature), salt_length)
      assert.ok(!crypto.verify('sha256', message, pss(publicKey, salt + 1), signature), salt_length)
      const exact = await h.call('update', 'verify/rsa', {
        input: b64(message),
        signature: signed['signature'],
        salt_length: String(salt),
      })
      assert.equal(dataOf(exact)['valid'], true, salt_length)
      const other = await h.call('update', 'verify/rsa', {
        input: b64(message),
        signature: signed['signature'],
        salt_length: String(salt - 1),
      })
      assert.equal(dataOf(other)['valid'], false, salt_length)
    }
  })

  it('hostile values in the signing fields of a prehashed RSA request are 4xx, never 500', async () => {
    const { h } = await rsaKey()
    const digest = b64(crypto.createHash('sha256').update('m').digest())
    const signed = dataOf(await h.call('update', 'sign/rsa', { input: digest, prehashed: true }))['signature']
    const values: unknown[] = [
      '',
      'x',
      'none',
      'hash',
      '-1',
      '99999999999999999999',
      0,
      -3,
      1e20,
      3.5,
      true,
      {},
      [],
    ]
    const fields = ['input', 'signature', 'hash_algorithm', 'signature_algorithm', 'salt_length', 'prehashed']
    for (const path of ['sign/rsa', 'verify/rsa']) {
      for (const field of fields) {
        for (const value of values) {
          for (const signature_algorithm of ['pss', 'pkcs1v15']) {
            const body = {
              input: digest,
              prehashed: true,
              signature: signed,
              signature_algorithm,
              [field]: value,
            }
            try {
              await h.call('update', path, body)
            } catch (error) {
              const status = isAppError(error) ? error.status : 500
              assert.ok(status >= 400 && status < 500, `${path} ${JSON.stringify(body)}: ${error}`)
            }
          }
        }
      }
    }
  })
})
