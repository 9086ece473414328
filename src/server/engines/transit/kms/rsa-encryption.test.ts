// RSA KMS keys encrypt as AWS's do: raw RSAES-OAEP (SHA-1 or SHA-256) ciphertexts, so one made with the public key decrypts.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { describe, it } from 'node:test'
import { awsType, b64, dataOf, kms, makeTransit, storedKey } from '../test-helpers.ts'

const A = '11111111-1111-4111-8111-111111111111'
const OAEP = crypto.constants.RSA_PKCS1_OAEP_PADDING

async function rsaKey() {
  const h = await makeTransit()
  const created = dataOf(
    await h.call(
      'create',
      `keys/${A}`,
      { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' },
      kms('CreateKey'),
    ),
  )
  const decrypt = (CiphertextBlob: Buffer | string, EncryptionAlgorithm: string) =>
    h.call(
      'update',
      `decrypt/${A}`,
      {
        KeyId: A,
        CiphertextBlob:
          typeof CiphertextBlob === 'string' ? CiphertextBlob : CiphertextBlob.toString('base64'),
        EncryptionAlgorithm,
      },
      kms('Decrypt'),
    )
  return { h, meta: created['KeyMetadata'] as Record<string, unknown>, decrypt }
}

describe('RSA KMS encryption', () => {
  it('an RSA encryption key offers RSAES_OAEP_SHA_1 and RSAES_OAEP_SHA_256', async () => {
    const { meta } = await rsaKey()
    assert.deepEqual(meta['EncryptionAlgorithms'], ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'])
  })

  it('a ciphertext made with the public key (GetPublicKey) decrypts under the algorithm it was made with only', async () => {
    const { h, decrypt } = await rsaKey()
    const der = String(
      dataOf(await h.call('read', `keys/${A}`, { KeyId: A }, kms('GetPublicKey')))['PublicKey'],
    )
    const publicKey = crypto.createPublicKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'spki' })
    for (const [algorithm, oaepHash, other] of [
      ['RSAES_OAEP_SHA_256', 'sha256', 'RSAES_OAEP_SHA_1'],
      ['RSAES_OAEP_SHA_1', 'sha1', 'RSAES_OAEP_SHA_256'],
    ] as const) {
      const blob = crypto.publicEncrypt({ key: publicKey, oaepHash, padding: OAEP }, Buffer.from('secret'))
      const out = dataOf(await decrypt(blob, algorithm))
      assert.equal(Buffer.from(String(out['Plaintext']), 'base64').toString(), 'secret')
      assert.equal(out['EncryptionAlgorithm'], algorithm)
      assert.equal(await awsType(decrypt(blob, other)), 'InvalidCiphertextException')
    }
    assert.equal(
      await awsType(decrypt(Buffer.alloc(256, 7), 'RSAES_OAEP_SHA_256')),
      'InvalidCiphertextException',
    )
  })

  it('Encrypt answers the raw OAEP ciphertext, one modulus long, that the private key opens', async () => {
    const { h, decrypt } = await rsaKey()
    const privateKey = crypto.createPrivateKey(String((await storedKey(h, A)).versions['1']!.private_key))
    for (const [algorithm, oaepHash] of [
      ['RSAES_OAEP_SHA_256', 'sha256'],
      ['RSAES_OAEP_SHA_1', 'sha1'],
    ] as const) {
      const out = dataOf(
        await h.call(
          'update',
          `encrypt/${A}`,
          { KeyId: A, Plaintext: b64('hello'), EncryptionAlgorithm: algorithm },
          kms('Encrypt'),
        ),
      )
      assert.equal(out['EncryptionAlgorithm'], algorithm)
      const blob = Buffer.from(String(out['CiphertextBlob']), 'base64')
      assert.equal(blob.length, 256)
      assert.equal(
        crypto.privateDecrypt({ key: privateKey, oaepHash, padding: OAEP }, blob).toString(),
        'hello',
      )
      const opened = dataOf(await decrypt(blob, algorithm))
      assert.equal(Buffer.from(String(opened['Plaintext']), 'base64').toString(), 'hello')
    }
  })

  it('a plaintext longer than OAEP fits in the modulus is refused as the caller’s input', async () => {
    const { h } = await rsaKey()
    const tooLong = b64(Buffer.alloc(256 - 2 * 20 - 1))
    assert.equal(
      await awsType(
        h.call(
          'update',
          `encrypt/${A}`,
          { KeyId: A, Plaintext: tooLong, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' },
          kms('Encrypt'),
        ),
      ),
      'ValidationException',
    )
  })
})
