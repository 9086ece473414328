// hvac's key-ceremony calls against Coffer: hvac_ceremony_scenario.py drives a fresh server; we assert what it saw.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { runScenario } from '../helpers/python.ts'
import { HVAC, skipUnless } from '../helpers/requirements.ts'
import { startSealedServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./hvac_ceremony_scenario.py', import.meta.url))

test('hvac generate-root and rekey against Coffer', { timeout: 120_000 }, async (t) => {
  if (await skipUnless(t, HVAC)) return
  const server = await startSealedServer()
  let r: Awaited<ReturnType<typeof runScenario>>
  try {
    r = await runScenario(SCRIPT, { VAULT_ADDR: server.address })
  } finally {
    await server.close()
  }

  await t.test('generate-root: OTP drawn by the server, shares, decoded root token', () => {
    assert.equal(r['unsealed'], true)
    assert.equal(r['root_idle'], false)
    assert.deepEqual(r['root_started'], { started: true, otp_len: 51, otp_length: 51 })
    assert.equal(r['root_first'], 1)
    assert.equal(r['root_duplicate']['error'], 'InvalidRequest')
    assert.equal(r['root_complete'], true)
    assert.deepEqual(r['root_policies'], ['root'])
    assert.equal(r['root_cancel'], 204)
    assert.deepEqual(r['root_wrong_otp']['errors'], ['OTP string is wrong length'])
  })

  await t.test('rekey with verification: new shares replace the old ones', () => {
    assert.equal(r['rekey_idle'], false)
    assert.deepEqual(r['rekey_started'], {
      started: true,
      t: 3,
      n: 4,
      required: 2,
      verification_required: true,
    })
    assert.deepEqual(r['rekey_result'], { complete: true, count: 4, verification_required: true })
    assert.equal(r['verify_progress'], 0)
    assert.equal(r['verify_first'], 1)
    assert.equal(r['verify_second'], 2)
    assert.equal(r['verify_done'], true)
    // Vault's 400 "no backed-up keys found", which hvac raises as InvalidRequest.
    assert.deepEqual(r['backup_absent'], { error: 'InvalidRequest', errors: ['no backed-up keys found'] })
    assert.equal(r['rekey_cancel'], 204)
    assert.equal(r['old_keys_refused']['error'], 'InvalidRequest')
    assert.equal(r['new_keys_unseal'], false)
    assert.equal(r['revoke_generated_root'], 204)
  })
})
