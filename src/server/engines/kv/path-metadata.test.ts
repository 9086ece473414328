// Tests for KV v2 metadata/: read shape, settings, custom_metadata limits, PATCH, delete-all and LIST.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { rfc3339 } from '../../../lib/time.ts'
import { listRecursive } from '../../../sdk/storage.ts'
import { dataOf, makeKv, START } from './test-helpers.ts'

const T0 = rfc3339(START)

describe('KV v2 metadata/ read', () => {
  it('returns Vault’s fields after writes', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/k', { data: { a: 1 } })
    kv.tick(2000)
    await kv.call('update', 'data/k', { data: { a: 2 } })
    assert.deepEqual(dataOf(await kv.call('read', 'metadata/k')), {
      cas_required: false,
      created_time: T0,
      current_version: 2,
      custom_metadata: null,
      delete_version_after: '0s',
      max_versions: 0,
      oldest_version: 0,
      updated_time: rfc3339(START + 2000),
      versions: {
        '1': { created_time: T0, deletion_time: '', destroyed: false },
        '2': { created_time: rfc3339(START + 2000), deletion_time: '', destroyed: false },
      },
    })
  })

  it('returns undefined for a missing key', async () => {
    const kv = await makeKv({ version: '2' })
    assert.equal(await kv.call('read', 'metadata/none'), undefined)
  })
})

describe('KV v2 metadata/ write', () => {
  it('stores settings without creating a version, and prints delete_version_after as a Go duration', async () => {
    const kv = await makeKv({ version: '2' })
    const custom = { owner: 'team-a', n: 5, on: true }
    assert.equal(
      await kv.call('update', 'metadata/k', {
        max_versions: 5,
        cas_required: 'true',
        delete_version_after: '3h25m19s',
        custom_metadata: custom,
      }),
      undefined,
    )
    const meta = dataOf(await kv.call('read', 'metadata/k'))
    assert.equal(meta['max_versions'], 5)
    assert.equal(meta['cas_required'], true)
    assert.equal(meta['delete_version_after'], '3h25m19s')
    // Vault's weak decoding: numbers print plainly, booleans become "1".
    assert.deepEqual(meta['custom_metadata'], { owner: 'team-a', n: '5', on: '1' })
    assert.equal(meta['current_version'], 0)
    assert.deepEqual(meta['versions'], {})
  })

  it('refuses a max_versions too large to be held exactly, in a write and a patch, leaving the setting alone', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'metadata/k', { max_versions: 3 })
    for (const op of ['update', 'patch'] as const)
      for (const max of ['99999999999999999999', 2 ** 53, 1e300])
        await assert.rejects(kv.call(op, 'metadata/k', { max_versions: max }), {
          status: 400,
          message: 'invalid value for "max_versions": must be between -9007199254740991 and 9007199254740991',
        })
    assert.equal(dataOf(await kv.call('read', 'metadata/k'))['max_versions'], 3)
  })

  it('shows custom_metadata in data reads and write responses', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'metadata/k', { custom_metadata: { owner: 'x' } })
    const written = dataOf(await kv.call('update', 'data/k', { data: { a: 1 } }))
    assert.deepEqual(written['custom_metadata'], { owner: 'x' })
    const read = dataOf(await kv.call('read', 'data/k'))
    assert.deepEqual((read['metadata'] as Record<string, unknown>)['custom_metadata'], { owner: 'x' })
  })

  it('a write naming no setting changes nothing and creates nothing', async () => {
    const kv = await makeKv({ version: '2' })
    assert.equal(await kv.call('update', 'metadata/k', {}), undefined)
    assert.equal(await kv.call('read', 'metadata/k'), undefined)
  })

  it('enforces the custom_metadata limits', async () => {
    const kv = await makeKv({ version: '2' })
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']))
    await assert.rejects(kv.call('update', 'metadata/k', { custom_metadata: many }), {
      status: 400,
      message:
        '1 error occurred:\n\t* custom_metadata validation failed: payload must contain at most 64 keys, provided 65\n\n',
    })
    const sixtyFour = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v']))
    await kv.call('update', 'metadata/k', { custom_metadata: sixtyFour })
    await assert.rejects(kv.call('update', 'metadata/k', { custom_metadata: { ['x'.repeat(129)]: 'v' } }), {
      status: 400,
    })
    await kv.call('update', 'metadata/k', { custom_metadata: { ['x'.repeat(128)]: 'v'.repeat(512) } })
    await assert.rejects(kv.call('update', 'metadata/k', { custom_metadata: { a: 'v'.repeat(513) } }), {
      status: 400,
    })
    await assert.rejects(kv.call('update', 'metadata/k', { custom_metadata: 'nope' }), {
      status: 400,
      message: 'invalid value for "custom_metadata": expected an object of string values',
    })
  })

  it('warns when cas_required=false is overridden by the mount', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'config', { cas_required: true })
    const response = await kv.call('update', 'metadata/k', { cas_required: false })
    assert.deepEqual(response?.warnings, [
      '"cas_required" set to false, but is mandated by backend config. This value will be ignored.',
    ])
  })

  it('refuses negative max_versions and an empty path', async () => {
    const kv = await makeKv({ version: '2' })
    await assert.rejects(kv.call('update', 'metadata/k', { max_versions: -1 }), { status: 400 })
    await assert.rejects(kv.call('update', 'metadata/', { max_versions: 1 }), {
      status: 400,
      message: 'missing path',
    })
  })

  it('refuses a delete_version_after longer than Go’s time.Duration, on write and PATCH', async () => {
    const kv = await makeKv({ version: '2' })
    const message =
      'invalid value for "delete_version_after": must be at most 9223372036 seconds (about 292 years)'
    await assert.rejects(kv.call('update', 'metadata/k', { delete_version_after: '99999999999999h' }), {
      status: 400,
      message,
    })
    assert.equal(await kv.call('read', 'metadata/k'), undefined)
    await kv.call('update', 'data/k', { data: { a: 1 } })
    await assert.rejects(kv.patch('metadata/k', { delete_version_after: '99999999999999h' }), {
      status: 400,
      message,
    })
    assert.equal(dataOf(await kv.call('read', 'metadata/k'))['delete_version_after'], '0s')
  })

  it('reports existence', async () => {
    const kv = await makeKv({ version: '2' })
    assert.equal(await kv.exists('metadata/k'), false)
    await kv.call('update', 'metadata/k', { max_versions: 1 })
    assert.equal(await kv.exists('metadata/k'), true)
  })
})

describe('KV v2 metadata/ PATCH', () => {
  it('changes only the named settings and merges custom_metadata (null removes a key)', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'metadata/k', { max_versions: 4, custom_metadata: { a: '1', b: '2' } })
    assert.equal(
      await kv.patch('metadata/k', { cas_required: true, custom_metadata: { b: null, c: 3 } }),
      undefined,
    )
    const meta = dataOf(await kv.call('read', 'metadata/k'))
    assert.equal(meta['max_versions'], 4)
    assert.equal(meta['cas_required'], true)
    assert.deepEqual(meta['custom_metadata'], { a: '1', c: '3' })
  })

  it('resets a setting given as null and clears custom_metadata given as null', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'metadata/k', { max_versions: 4, custom_metadata: { a: '1' } })
    await kv.patch('metadata/k', { max_versions: null, custom_metadata: null })
    const meta = dataOf(await kv.call('read', 'metadata/k'))
    assert.equal(meta['max_versions'], 0)
    assert.equal(meta['custom_metadata'], null)
  })

  it('is a 404 for a missing key, 415 without the merge-patch type, 400 past the limits', async () => {
    const kv = await makeKv({ version: '2' })
    await assert.rejects(kv.patch('metadata/none', { max_versions: 1 }), { status: 404 })
    await kv.call('update', 'metadata/k', { custom_metadata: { a: '1' } })
    await assert.rejects(kv.call('patch', 'metadata/k', { max_versions: 1 }), { status: 415 })
    const more = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v']))
    // The patch alone has 64 pairs, but merged with "a" there would be 65.
    await assert.rejects(kv.patch('metadata/k', { custom_metadata: more }), { status: 400 })
  })
})

describe('KV v2 metadata/ DELETE and LIST', () => {
  it('deletes every version and the metadata', async () => {
    const kv = await makeKv({ version: '2' })
    for (let i = 0; i < 3; i++) await kv.call('update', 'data/k', { data: { i } })
    await kv.call('update', 'data/other', { data: { x: 1 } })
    assert.equal(await kv.call('delete', 'metadata/k'), undefined)
    assert.equal(await kv.call('read', 'metadata/k'), undefined)
    assert.equal(await kv.call('read', 'data/k', { version: '1' }), undefined)
    assert.equal((await listRecursive(kv.storage, 'versions/')).length, 1)
    assert.equal(await kv.call('delete', 'metadata/k'), undefined)
  })

  it('lists keys one level down with folders ending in "/", and undefined when empty', async () => {
    const kv = await makeKv({ version: '2' })
    assert.equal(await kv.call('list', 'metadata/'), undefined)
    await kv.call('update', 'data/a', { data: { x: 1 } })
    await kv.call('update', 'data/a/b', { data: { x: 1 } })
    await kv.call('update', 'data/c/d/e', { data: { x: 1 } })
    assert.deepEqual(dataOf(await kv.call('list', 'metadata/')), { keys: ['a', 'a/', 'c/'] })
    assert.deepEqual(dataOf(await kv.call('list', 'metadata/c')), { keys: ['d/'] })
    assert.deepEqual(dataOf(await kv.call('list', 'metadata/c/d/')), { keys: ['e'] })
    assert.equal(await kv.call('list', 'metadata/zzz/'), undefined)
  })
})
