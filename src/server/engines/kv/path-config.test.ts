// Tests for KV v2 config: defaults, updates and delete_version_after's disabled state.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dataOf, makeKv } from './test-helpers.ts'

describe('KV v2 config', () => {
  it('reads Vault’s defaults before any write', async () => {
    const kv = await makeKv({ version: '2' })
    assert.deepEqual(dataOf(await kv.call('read', 'config')), {
      cas_required: false,
      delete_version_after: '0s',
      max_versions: 0,
    })
  })

  it('updates only the given settings', async () => {
    const kv = await makeKv({ version: '2' })
    assert.equal(
      await kv.call('update', 'config', { max_versions: '7', delete_version_after: 3600 }),
      undefined,
    )
    await kv.call('update', 'config', { cas_required: true })
    assert.deepEqual(dataOf(await kv.call('read', 'config')), {
      cas_required: true,
      delete_version_after: '1h0m0s',
      max_versions: 7,
    })
  })

  it('stores any negative delete_version_after as disabled ("-1s") and 0 as unset', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'config', { delete_version_after: '-5m' })
    assert.equal(dataOf(await kv.call('read', 'config'))['delete_version_after'], '-1s')
    await kv.call('update', 'config', { delete_version_after: -30 })
    assert.equal(dataOf(await kv.call('read', 'config'))['delete_version_after'], '-1s')
    await kv.call('update', 'config', { delete_version_after: '0s' })
    assert.equal(dataOf(await kv.call('read', 'config'))['delete_version_after'], '0s')
  })

  it('refuses bad values naming the field', async () => {
    const kv = await makeKv({ version: '2' })
    await assert.rejects(kv.call('update', 'config', { max_versions: -1 }), {
      status: 400,
      message: 'invalid value for "max_versions": must be zero or a positive integer',
    })
    await assert.rejects(kv.call('update', 'config', { delete_version_after: 'soon' }), {
      status: 400,
      message: /^invalid value for "delete_version_after"/,
    })
  })

  it('refuses a delete_version_after longer than Go’s time.Duration, and stores nothing', async () => {
    const kv = await makeKv({ version: '2' })
    for (const tooLong of ['99999999999999h', '-99999999999999h', 1e20]) {
      await assert.rejects(kv.call('update', 'config', { delete_version_after: tooLong }), {
        status: 400,
        message:
          'invalid value for "delete_version_after": must be at most 9223372036 seconds (about 292 years)',
      })
    }
    assert.equal(dataOf(await kv.call('read', 'config'))['delete_version_after'], '0s')
  })
})
