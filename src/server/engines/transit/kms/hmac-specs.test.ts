// HMAC KMS keys of every KeySpec AWS offers (HMAC_224/256/384/512): each MACs with its own algorithm only.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { describe, it } from 'node:test'
import { awsType, b64, dataOf, kms, makeTransit, storedKey } from '../test-helpers.ts'

const A = '11111111-1111-4111-8111-111111111111'

const SPECS = [
  ['HMAC_224', 'HMAC_SHA_224', 'sha224', 28],
  ['HMAC_256', 'HMAC_SHA_256', 'sha256', 32],
  ['HMAC_384', 'HMAC_SHA_384', 'sha384', 48],
  ['HMAC_512', 'HMAC_SHA_512', 'sha512', 64],
] as const

describe('HMAC KMS keys', () => {
  for (const [KeySpec, MacAlgorithm, hash, macBytes] of SPECS)
    it(`${KeySpec}: GenerateMac and VerifyMac with ${MacAlgorithm}, any other MAC algorithm refused`, async () => {
      const h = await makeTransit()
      const created = dataOf(
        await h.call('create', `keys/${A}`, { KeySpec, KeyUsage: 'GENERATE_VERIFY_MAC' }, kms('CreateKey')),
      )
      const meta = created['KeyMetadata'] as Record<string, unknown>
      assert.equal(meta['KeySpec'], KeySpec)
      assert.deepEqual(meta['MacAlgorithms'], [MacAlgorithm])
      const Message = b64('message')
      const generated = dataOf(
        await h.call('update', `hmac/${A}`, { KeyId: A, Message, MacAlgorithm }, kms('GenerateMac')),
      )
      assert.equal(generated['MacAlgorithm'], MacAlgorithm)
      const mac = Buffer.from(String(generated['Mac']), 'base64')
      assert.equal(mac.length, macBytes)
      // The MAC is the HMAC of the message under the key's own material.
      const material = (await storedKey(h, A)).versions['1']!.hmac_key
      const expected = crypto.createHmac(hash, Buffer.from(material, 'base64')).update('message').digest()
      assert.deepEqual(mac, expected)
      const verified = dataOf(
        await h.call(
          'update',
          `verify/${A}`,
          { KeyId: A, Message, MacAlgorithm, Mac: generated['Mac'] },
          kms('VerifyMac'),
        ),
      )
      assert.equal(verified['MacValid'], true)
      const other = SPECS.find(([spec]) => spec !== KeySpec)![1]
      assert.equal(
        await awsType(
          h.call('update', `hmac/${A}`, { KeyId: A, Message, MacAlgorithm: other }, kms('GenerateMac')),
        ),
        'InvalidKeyUsageException',
      )
    })

  it('an HMAC KeySpec takes KeyUsage GENERATE_VERIFY_MAC only', async () => {
    const h = await makeTransit()
    assert.equal(
      await awsType(
        h.call('create', `keys/${A}`, { KeySpec: 'HMAC_512', KeyUsage: 'ENCRYPT_DECRYPT' }, kms('CreateKey')),
      ),
      'ValidationException',
    )
  })
})
