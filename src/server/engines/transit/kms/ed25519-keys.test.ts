// ECC_NIST_EDWARDS25519 KMS keys: ED25519_SHA_512 signs a RAW message (Ed25519), ED25519_PH_SHA_512 a SHA-512 DIGEST (Ed25519ph).
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { describe, it } from 'node:test'
import { ed25519ph } from '@noble/curves/ed25519.js'
import { awsType, dataOf, kms, makeTransit } from '../test-helpers.ts'

const A = '11111111-1111-4111-8111-111111111111'

async function edKey() {
  const h = await makeTransit()
  const made = dataOf(
    await h.call(
      'create',
      `keys/${A}`,
      { KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' },
      kms('CreateKey'),
    ),
  )
  const der = String(
    dataOf(await h.call('read', `keys/${A}`, { KeyId: A }, kms('GetPublicKey')))['PublicKey'],
  )
  const publicKey = crypto.createPublicKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'spki' })
  const sign = (Message: Buffer, SigningAlgorithm: string, MessageType: string) =>
    h.call(
      'update',
      `sign/${A}`,
      { KeyId: A, Message: Message.toString('base64'), SigningAlgorithm, MessageType },
      kms('Sign'),
    )
  const verify = (Message: Buffer, Signature: Buffer, SigningAlgorithm: string, MessageType: string) =>
    h.call(
      'update',
      `verify/${A}`,
      {
        KeyId: A,
        Message: Message.toString('base64'),
        Signature: Signature.toString('base64'),
        SigningAlgorithm,
        MessageType,
      },
      kms('Verify'),
    )
  const signature = async (...args: Parameters<typeof sign>) =>
    Buffer.from(String(dataOf(await sign(...args))['Signature']), 'base64')
  return { meta: made['KeyMetadata'] as Record<string, unknown>, publicKey, sign, verify, signature }
}

describe('Ed25519 KMS keys', () => {
  it('are SIGN_VERIFY keys offering ED25519_SHA_512 and ED25519_PH_SHA_512, with an Ed25519 public key', async () => {
    const { meta, publicKey } = await edKey()
    assert.deepEqual(meta['SigningAlgorithms'], ['ED25519_SHA_512', 'ED25519_PH_SHA_512'])
    assert.equal(publicKey.asymmetricKeyType, 'ed25519')
  })

  it('ED25519_SHA_512 signs the RAW message with Ed25519; a DIGEST is refused', async () => {
    const { publicKey, signature, verify, sign } = await edKey()
    const message = Buffer.from('sign me')
    const sig = await signature(message, 'ED25519_SHA_512', 'RAW')
    assert.equal(crypto.verify(null, message, publicKey, sig), true)
    assert.equal(dataOf(await verify(message, sig, 'ED25519_SHA_512', 'RAW'))['SignatureValid'], true)
    assert.equal(
      await awsType(verify(Buffer.from('other'), sig, 'ED25519_SHA_512', 'RAW')),
      'KMSInvalidSignatureException',
    )
    const digest = crypto.createHash('sha512').update(message).digest()
    assert.equal(await awsType(sign(digest, 'ED25519_SHA_512', 'DIGEST')), 'ValidationException')
  })

  it('ED25519_PH_SHA_512 signs a SHA-512 DIGEST with Ed25519ph, which hashes it once more; RAW is refused', async () => {
    const { publicKey, signature, verify, sign } = await edKey()
    const digest = crypto.createHash('sha512').update('sign me').digest()
    const sig = await signature(digest, 'ED25519_PH_SHA_512', 'DIGEST')
    const raw = publicKey.export({ format: 'jwk' }).x as string
    assert.equal(ed25519ph.verify(sig, digest, Buffer.from(raw, 'base64url')), true)
    assert.equal(crypto.verify(null, digest, publicKey, sig), false)
    assert.equal(dataOf(await verify(digest, sig, 'ED25519_PH_SHA_512', 'DIGEST'))['SignatureValid'], true)
    assert.equal(
      await awsType(verify(Buffer.alloc(64), sig, 'ED25519_PH_SHA_512', 'DIGEST')),
      'KMSInvalidSignatureException',
    )
    assert.equal(await awsType(sign(digest, 'ED25519_PH_SHA_512', 'RAW')), 'ValidationException')
    assert.equal(await awsType(sign(Buffer.alloc(32), 'ED25519_PH_SHA_512', 'DIGEST')), 'ValidationException')
  })

  it('an Ed25519 key takes no other algorithm, and other keys take no Ed25519 algorithm', async () => {
    const { sign } = await edKey()
    assert.equal(await awsType(sign(Buffer.from('m'), 'ECDSA_SHA_256', 'RAW')), 'InvalidKeyUsageException')
    const h = await makeTransit()
    await h.call(
      'create',
      `keys/${A}`,
      { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
      kms('CreateKey'),
    )
    const Message = Buffer.from('m').toString('base64')
    assert.equal(
      await awsType(
        h.call(
          'update',
          `sign/${A}`,
          { KeyId: A, Message, SigningAlgorithm: 'ED25519_SHA_512' },
          kms('Sign'),
        ),
      ),
      'InvalidKeyUsageException',
    )
  })
})
