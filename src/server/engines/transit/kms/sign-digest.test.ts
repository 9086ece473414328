// KMS Sign/Verify with MessageType DIGEST for every signing algorithm: signatures of the digest are the message's.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { after, describe, it } from 'node:test'
import { opensslVerifiesDigest, scratch } from '../openssl-test-helpers.ts'
import { awsType, dataOf, kms, makeTransit, storedKey } from '../test-helpers.ts'

const tmp = scratch('coffer-kms-digest-')
after(() => tmp.remove())

const KEY = '33333333-3333-4333-8333-333333333333'

const SPECS: [string, string[]][] = [
  ['ECC_NIST_P256', ['ECDSA_SHA_256']],
  ['ECC_NIST_P384', ['ECDSA_SHA_384']],
  ['ECC_NIST_P521', ['ECDSA_SHA_512']],
  ['ECC_SECG_P256K1', ['ECDSA_SHA_256']],
  [
    'RSA_2048',
    ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512', 'RSASSA_PKCS1_V1_5_SHA_256'],
  ],
]

describe('KMS MessageType DIGEST', () => {
  for (const [KeySpec, algorithms] of SPECS) {
    it(`${KeySpec}: DIGEST signatures verify as the message's (Node, openssl) and RAW ones as the digest's`, async () => {
      const h = await makeTransit()
      await h.call('create', `keys/${KEY}`, { KeySpec, KeyUsage: 'SIGN_VERIFY' }, kms('CreateKey'))
      const pem = (await storedKey(h, KEY)).versions['1']?.private_key ?? ''
      const publicKey = crypto.createPublicKey(pem)
      const pubFile = tmp.file(publicKey.export({ format: 'pem', type: 'spki' }).toString())
      const message = Buffer.from(`digest me with ${KeySpec}`)
      for (const SigningAlgorithm of algorithms) {
        const hash = `sha${SigningAlgorithm.slice(-3)}`
        const digest = crypto.createHash(hash).update(message).digest()
        const pss = SigningAlgorithm.startsWith('RSASSA_PSS_')
        // AWS's PSS salt is exactly as long as the digest.
        const check = pss
          ? { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: digest.length }
          : {}
        const sign = async (Message: Buffer, MessageType: string) =>
          Buffer.from(
            String(
              dataOf(
                await h.call(
                  'update',
                  `sign/${KEY}`,
                  { KeyId: KEY, Message: Message.toString('base64'), MessageType, SigningAlgorithm },
                  kms('Sign'),
                ),
              )['Signature'],
            ),
            'base64',
          )
        const verify = (Message: Buffer, MessageType: string, signature: Buffer) =>
          awsType(
            h.call(
              'update',
              `verify/${KEY}`,
              {
                KeyId: KEY,
                Message: Message.toString('base64'),
                MessageType,
                Signature: signature.toString('base64'),
                SigningAlgorithm,
              },
              kms('Verify'),
            ),
          )
        const ofDigest = await sign(digest, 'DIGEST')
        assert.ok(crypto.verify(hash, message, { key: publicKey, ...check }, ofDigest), SigningAlgorithm)
        const opensslArgs = pss
          ? [
              '-pkeyopt',
              'rsa_padding_mode:pss',
              '-pkeyopt',
              'rsa_pss_saltlen:digest',
              '-pkeyopt',
              `digest:${hash}`,
            ]
          : KeySpec.startsWith('RSA')
            ? ['-pkeyopt', `digest:${hash}`]
            : []
        assert.ok(
          opensslVerifiesDigest(pubFile, tmp.file(digest), tmp.file(ofDigest), opensslArgs),
          `${SigningAlgorithm} openssl`,
        )
        if (pss)
          assert.ok(!crypto.verify(hash, message, { ...check, key: publicKey, saltLength: 0 }, ofDigest))
        const ofMessage = await sign(message, 'RAW')
        assert.equal(await verify(digest, 'DIGEST', ofMessage), 'no error', SigningAlgorithm)
        assert.equal(await verify(message, 'RAW', ofDigest), 'no error', SigningAlgorithm)
        assert.equal(await verify(digest, 'DIGEST', ofDigest), 'no error', SigningAlgorithm)
        const other = crypto.createHash(hash).update('other').digest()
        assert.equal(
          await verify(other, 'DIGEST', ofDigest),
          'KMSInvalidSignatureException',
          SigningAlgorithm,
        )
        assert.equal(
          await verify(digest, 'DIGEST', Buffer.from('not a signature')),
          'KMSInvalidSignatureException',
          SigningAlgorithm,
        )
        // A digest of another length than the algorithm's hash is a ValidationException, to sign or to verify.
        for (const wrong of [digest.subarray(1), Buffer.concat([digest, Buffer.from([0])])]) {
          const signing = h.call(
            'update',
            `sign/${KEY}`,
            { KeyId: KEY, Message: wrong.toString('base64'), MessageType: 'DIGEST', SigningAlgorithm },
            kms('Sign'),
          )
          assert.equal(await awsType(signing), 'ValidationException', SigningAlgorithm)
          assert.equal(await verify(wrong, 'DIGEST', ofDigest), 'ValidationException', SigningAlgorithm)
        }
      }
    })
  }
})
