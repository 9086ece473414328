// hvac's secrets.transit against Coffer: hvac_transit_scenario.py drives a dev server with transit mounted; we assert what it saw.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { hvacAgainstDevServer } from '../helpers/hvac-scenario.ts'

const SCRIPT = fileURLToPath(new URL('./hvac_transit_scenario.py', import.meta.url))

test('hvac secrets.transit against Coffer', { timeout: 120_000 }, async (t) => {
  const r = await hvacAgainstDevServer(t, SCRIPT)
  if (!r) return

  await t.test('keys are created, read, listed, rotated and protected from deletion', () => {
    assert.equal(r['create'], 'orders')
    assert.deepEqual(r['read'], { type: 'aes256-gcm96', latest_version: 1, supports_encryption: true })
    assert.equal(r['rotate'], 2)
    assert.equal(r['latest'], 2)
    assert.deepEqual(r['listed'], ['orders'])
    assert.deepEqual(r['delete_refused'], {
      error: 'InvalidRequest',
      errors: ['error deleting policy orders: deletion is not allowed for this policy'],
    })
    assert.deepEqual(r['unknown_type'], { error: 'InvalidRequest', errors: ['unknown key type des'] })
  })

  await t.test('encrypt, decrypt, rewrap and min_decryption_version behave as in Vault', () => {
    assert.equal(r['ct1_prefix'], 'vault:v1:')
    assert.equal(r['decrypt'], 'card 4111')
    assert.equal(r['rewrap'], 'vault:v2:')
    assert.equal(r['decrypt_old'], 'card 4111')
    assert.equal(r['config'], 2)
    assert.deepEqual(r['decrypt_too_old'], {
      error: 'InvalidRequest',
      errors: ['ciphertext or signature version is disallowed by policy (too old)'],
    })
    assert.deepEqual(r['bad_ciphertext'], {
      error: 'InvalidRequest',
      errors: ['invalid ciphertext: could not decode base64'],
    })
  })

  await t.test('derived keys, batches, data keys, random and hash', () => {
    assert.equal(r['derived_decrypt'], 'mine')
    assert.deepEqual(r['derived_wrong_ctx'], {
      error: 'InvalidRequest',
      errors: ['cipher: message authentication failed'],
    })
    assert.deepEqual(r['batch_decrypt'], ['a', 'b'])
    assert.deepEqual(r['datakey'], [64, true])
    assert.equal(r['random'], 24)
    assert.equal(r['hash'], 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  await t.test('HMACs and signatures verify, and forgeries do not', () => {
    assert.equal(r['hmac_verify'], true)
    assert.equal(r['hmac_tampered'], false)
    assert.deepEqual(r['signatures'], {
      ed25519: ['vault:v1:', true, false],
      'ecdsa-p256': ['vault:v1:', true, false],
      'rsa-2048': ['vault:v1:', true, false],
    })
    assert.equal(r['jws_verify'], true)
    assert.equal(r['pkcs1_verify'], true)
    assert.deepEqual(r['sign_with_aes'], {
      error: 'InvalidRequest',
      errors: ['key type aes256-gcm96 does not support signing'],
    })
  })

  await t.test("exported keys and BYOK imports interoperate with Python's cryptography", () => {
    assert.deepEqual(r['exported_roundtrip'], ['from coffer', 'from python'])
    assert.deepEqual(r['byok_roundtrip'], ['imported', true])
  })
})
