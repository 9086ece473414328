// Tests for KV v2 delete/ and undelete/.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { rfc3339 } from '../../../lib/time.ts'
import { dataOf, makeKv, START } from './test-helpers.ts'

function versionsOf(meta: Record<string, unknown>): Record<string, Record<string, unknown>> {
  return meta['versions'] as Record<string, Record<string, unknown>>
}

async function threeVersions() {
  const kv = await makeKv({ version: '2' })
  for (let i = 1; i <= 3; i++) await kv.call('update', 'data/k', { data: { i } })
  return kv
}

describe('KV v2 delete/', () => {
  it('soft-deletes the listed versions only', async () => {
    const kv = await threeVersions()
    assert.equal(await kv.call('update', 'delete/k', { versions: [1, 3] }), undefined)
    const versions = versionsOf(dataOf(await kv.call('read', 'metadata/k')))
    assert.equal(versions['1']?.['deletion_time'], rfc3339(START))
    assert.equal(versions['2']?.['deletion_time'], '')
    assert.equal((await kv.call('read', 'data/k', { version: '1' }))?.status, 404)
    assert.deepEqual(dataOf(await kv.call('read', 'data/k', { version: '2' }))['data'], { i: 2 })
  })

  it('accepts "1,2" and a single number; refuses no versions', async () => {
    const kv = await threeVersions()
    await kv.call('update', 'delete/k', { versions: '1,2' })
    await kv.call('update', 'delete/k', { versions: 3 })
    const versions = versionsOf(dataOf(await kv.call('read', 'metadata/k')))
    assert.ok(['1', '2', '3'].every((n) => versions[n]?.['deletion_time'] !== ''))
    await assert.rejects(kv.call('update', 'delete/k', {}), {
      status: 400,
      message: 'No version number provided',
    })
    await assert.rejects(kv.call('update', 'delete/k', { versions: [] }), { status: 400 })
    await assert.rejects(kv.call('update', 'delete/k', { versions: ['x'] }), { status: 400 })
  })

  it('ignores unknown keys and versions', async () => {
    const kv = await threeVersions()
    assert.equal(await kv.call('update', 'delete/none', { versions: [1] }), undefined)
    assert.equal(await kv.call('update', 'delete/k', { versions: [42] }), undefined)
  })
})

describe('KV v2 undelete/', () => {
  it('restores soft-deleted versions but not destroyed ones', async () => {
    const kv = await threeVersions()
    await kv.call('update', 'delete/k', { versions: [1, 2] })
    await kv.call('update', 'destroy/k', { versions: [2] })
    assert.equal(await kv.call('update', 'undelete/k', { versions: [1, 2] }), undefined)
    assert.deepEqual(dataOf(await kv.call('read', 'data/k', { version: '1' }))['data'], { i: 1 })
    assert.equal((await kv.call('read', 'data/k', { version: '2' }))?.status, 404)
    await assert.rejects(kv.call('update', 'undelete/k', {}), { status: 400 })
  })

  it('gives an undeleted version a fresh delete_version_after deadline from now', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'metadata/k', { delete_version_after: '10s' })
    await kv.call('update', 'data/k', { data: { a: 1 } })
    kv.tick(60_000)
    assert.equal((await kv.call('read', 'data/k'))?.status, 404)
    await kv.call('update', 'undelete/k', { versions: [1] })
    const meta = dataOf(await kv.call('read', 'data/k'))['metadata'] as Record<string, unknown>
    assert.equal(meta['deletion_time'], rfc3339(START + 70_000))
  })
})
