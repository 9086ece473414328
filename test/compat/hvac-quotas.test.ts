// hvac against Coffer's rate-limit quotas: hvac_quotas_scenario.py drives a dev server; we assert what it saw.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { hvacAgainstDevServer } from '../helpers/hvac-scenario.ts'

const SCRIPT = fileURLToPath(new URL('./hvac_quotas_scenario.py', import.meta.url))

test('hvac and rate-limit quotas', { timeout: 120_000 }, async (t) => {
  const r = await hvacAgainstDevServer(t, SCRIPT)
  if (!r) return
  assert.equal(r['write'], 204)
  assert.deepEqual(r['read'], {
    name: 'kv',
    type: 'rate-limit',
    path: 'secret/',
    role: '',
    rate: 2,
    interval: 3600,
    block_interval: 0,
    inheritable: false,
  })
  assert.deepEqual(r['list'], ['kv'])
  assert.equal(r['config'], false)
  assert.deepEqual(r['first'], { password: 'p1' })
  assert.deepEqual(r['second'], { password: 'p1' })
  assert.deepEqual(r['third'], {
    error: 'RateLimitExceeded',
    errors: ['request path "secret/data/app": rate limit quota exceeded'],
  })
  assert.deepEqual(r['bad_rate'], { error: 'InvalidRequest', errors: ["'rate' is invalid or not positive"] })
  // hvac 0.11's delete hands back nothing for a 204; the read after it shows the quota gone.
  assert.equal(r['delete'], 'no body')
  assert.deepEqual(r['after_delete'], { password: 'p1' })
})
