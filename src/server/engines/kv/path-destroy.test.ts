// Tests for KV v2 destroy/: permanent removal of version data.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { listRecursive } from '../../../sdk/storage.ts'
import { dataOf, makeKv } from './test-helpers.ts'

async function threeVersions() {
  const kv = await makeKv({ version: '2' })
  for (let i = 1; i <= 3; i++) await kv.call('update', 'data/k', { data: { i } })
  return kv
}

describe('KV v2 destroy/', () => {
  it('marks versions destroyed and removes their data for good', async () => {
    const kv = await threeVersions()
    assert.equal(await kv.call('update', 'destroy/k', { versions: [2] }), undefined)
    const read = await kv.call('read', 'data/k', { version: '2' })
    assert.equal(read?.status, 404)
    assert.deepEqual(read?.data?.['data'], null)
    assert.equal((dataOf(read)['metadata'] as Record<string, unknown>)['destroyed'], true)
    assert.equal((await listRecursive(kv.storage, 'versions/')).length, 2)
    // Undelete cannot bring it back.
    await kv.call('update', 'undelete/k', { versions: [2] })
    assert.equal((await kv.call('read', 'data/k', { version: '2' }))?.status, 404)
  })

  it('refuses no versions and ignores a missing key', async () => {
    const kv = await threeVersions()
    await assert.rejects(kv.call('update', 'destroy/k', {}), {
      status: 400,
      message: 'no version number provided',
    })
    assert.equal(await kv.call('update', 'destroy/none', { versions: [1] }), undefined)
  })

  it('a list with one bad element is a 400 for delete, undelete and destroy, and touches no version', async () => {
    const kv = await threeVersions()
    const bad: unknown[] = [
      ['1', 'x'],
      [-1],
      [0],
      [1.5],
      [[1]],
      [1, [2]],
      1e300,
      [2 ** 53],
      '1e3',
      '0x10',
      [true],
      [null],
      [1, {}],
      '2,-1',
    ]
    for (const op of ['delete', 'undelete', 'destroy'])
      for (const versions of bad)
        await assert.rejects(
          kv.call('update', `${op}/k`, { versions }),
          {
            status: 400,
            message: /^invalid value for "versions": .* is not a version number/,
          },
          `${op} ${JSON.stringify(versions)}`,
        )
    for (const op of ['delete', 'undelete', 'destroy'])
      await assert.rejects(kv.call('update', `${op}/k`, { versions: '' }), {
        status: 400,
        message: /^no version number provided$/i,
      })
    const versions = dataOf(await kv.call('read', 'metadata/k'))['versions'] as Record<
      string,
      Record<string, unknown>
    >
    for (const v of ['1', '2', '3']) {
      assert.equal(versions[v]?.['destroyed'], false)
      assert.equal(versions[v]?.['deletion_time'], '')
    }
    // Digits as strings, a comma list with spaces and a lone number are still version numbers.
    assert.equal(await kv.call('update', 'destroy/k', { versions: ' 1 , 2,' }), undefined)
    assert.equal(await kv.call('update', 'delete/k', { versions: ['3'] }), undefined)
    const after = dataOf(await kv.call('read', 'metadata/k'))['versions'] as Record<
      string,
      Record<string, unknown>
    >
    assert.equal(after['1']?.['destroyed'], true)
    assert.equal(after['2']?.['destroyed'], true)
    assert.notEqual(after['3']?.['deletion_time'], '')
  })

  it('a destroyed latest version makes DELETE data/ a no-op', async () => {
    const kv = await threeVersions()
    await kv.call('update', 'destroy/k', { versions: [3] })
    await kv.call('delete', 'data/k')
    const versions = dataOf(await kv.call('read', 'metadata/k'))['versions'] as Record<
      string,
      Record<string, unknown>
    >
    assert.equal(versions['3']?.['deletion_time'], '')
  })
})
