// Hostile input on every transit path: any value in any field is answered or refused with a 4xx, never a 500.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isAppError } from '../../../sdk/errors.ts'
import type { Operation } from '../../../sdk/request.ts'
import { b64, makeTransit } from './test-helpers.ts'

const VALUES: unknown[] = [
  '',
  'x',
  '***',
  'vault:v1:',
  'vault:v0:AAAA',
  'vault:v99999999999:AAAA',
  b64('x'),
  0,
  -1,
  1e20,
  3.5,
  true,
  {},
  [],
  [{}],
  [{ plaintext: 5, ciphertext: {}, input: [] }],
  { nested: { deep: 1 } },
]

const FIELDS = [
  'plaintext',
  'ciphertext',
  'context',
  'nonce',
  'associated_data',
  'key_version',
  'batch_input',
  'input',
  'signature',
  'hmac',
  'hash_algorithm',
  'algorithm',
  'signature_algorithm',
  'marshaling_algorithm',
  'salt_length',
  'prehashed',
  'bits',
  'type',
  'min_decryption_version',
  'min_encryption_version',
  'min_available_version',
  'auto_rotate_period',
  'key_size',
  'backup',
  'format',
  'bytes',
  'size',
  'partial_failure_response_code',
  'hash_function',
]

const SIGNING_FIELDS = [
  'input',
  'signature',
  'context',
  'key_version',
  'batch_input',
  'hash_algorithm',
  'algorithm',
  'signature_algorithm',
  'marshaling_algorithm',
  'salt_length',
  'prehashed',
]

const PATHS: [Operation, string][] = [
  ['update', 'encrypt/{key}'],
  ['create', 'encrypt/fresh'],
  ['update', 'decrypt/{key}'],
  ['update', 'rewrap/{key}'],
  ['update', 'datakey/plaintext/{key}'],
  ['update', 'hmac/{key}'],
  ['update', 'sign/{key}'],
  ['update', 'verify/{key}'],
  ['update', 'keys/{key}/config'],
  ['update', 'keys/{key}/trim'],
  ['create', 'keys/new-key'],
  ['update', 'keys/{key}/import'],
  ['update', 'restore/other'],
  ['update', 'random'],
  ['update', 'hash'],
  ['update', 'cache-config'],
  ['read', 'export/encryption-key/{key}'],
  ['read', 'keys/{key}'],
]

describe('transit under hostile input', () => {
  it('never fails with anything but a 4xx', async () => {
    const h = await makeTransit()
    const keys = ['aes', 'ed', 'ec']
    await h.call('create', 'keys/aes', { exportable: true, allow_plaintext_backup: true })
    await h.call('create', 'keys/ed', { type: 'ed25519', derived: true })
    await h.call('create', 'keys/ec', { type: 'ecdsa-p256' })
    const context = b64('ctx')
    const sealed = (await h.call('update', 'encrypt/aes', { plaintext: b64('p') }))?.data?.['ciphertext']
    const signed = (await h.call('update', 'sign/ec', { input: b64('p') }))?.data?.['signature']
    // A SHA-256 digest, so prehashed requests reach the signing of a digest (prehashed-pss.test.ts tries RSA).
    const digest = Buffer.alloc(32, 7).toString('base64')
    // Each field is also tried beside an otherwise valid request, so the checks after parsing are reached.
    const bases: Record<string, unknown>[] = [
      {},
      { plaintext: b64('p'), context },
      { ciphertext: sealed, context },
      { input: b64('p'), signature: signed, context },
      { input: b64('p'), hmac: 'vault:v1:AAAA' },
      { input: digest, prehashed: true, signature: signed },
      { min_available_version: 1, min_decryption_version: 1, min_encryption_version: 1 },
    ]
    let calls = 0
    for (const [operation, pattern] of PATHS) {
      for (const key of keys) {
        const path = pattern.replace('{key}', key)
        for (const field of FIELDS) {
          for (const value of VALUES) {
            for (const base of bases) {
              // The prehashed base is for the signing fields of sign and verify (signing a digest is slow in JS).
              if (base['prehashed'] && !(/^(sign|verify)\//.test(path) && SIGNING_FIELDS.includes(field)))
                continue
              calls++
              try {
                await h.call(operation, path, { ...base, [field]: value })
              } catch (error) {
                const status = isAppError(error) ? error.status : 500
                assert.ok(
                  status >= 400 && status < 500,
                  `${operation} ${path} ${JSON.stringify({ ...base, [field]: value })}: ${error}`,
                )
              }
            }
          }
        }
      }
    }
    assert.ok(calls > 100000)
  })
})
