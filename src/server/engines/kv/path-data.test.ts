// Tests for KV v2 data/: versions, check-and-set, merge patch, soft delete, pruning and the 404-with-body reads.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { rfc3339 } from '../../../lib/time.ts'
import { getJson, listRecursive, putJson } from '../../../sdk/storage.ts'
import { Barrier } from '../../barrier/barrier.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import type { KeyMetadata } from './key-metadata.ts'
import { CONFIG_KEY, metadataKey } from './storage-keys.ts'
import { dataOf, makeKv, START } from './test-helpers.ts'

const T0 = rfc3339(START)

describe('KV v2 data/ write and read', () => {
  it('returns the new version summary in Vault’s shape', async () => {
    const kv = await makeKv({ version: '2' })
    const written = await kv.call('create', 'data/app/db', { data: { user: 'u', pass: 'p' } })
    assert.deepEqual(written, {
      data: { created_time: T0, custom_metadata: null, deletion_time: '', destroyed: false, version: 1 },
    })
    assert.equal(T0, '2024-01-02T03:04:05.678000000Z')
  })

  it('reads the latest version, or the one asked for by ?version= (a string)', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/k', { data: { v: 1 } })
    kv.tick(1000)
    await kv.call('update', 'data/k', { data: { v: 2 } })
    const latest = dataOf(await kv.call('read', 'data/k'))
    assert.deepEqual(latest, {
      data: { v: 2 },
      metadata: {
        created_time: rfc3339(START + 1000),
        custom_metadata: null,
        deletion_time: '',
        destroyed: false,
        version: 2,
      },
    })
    const first = dataOf(await kv.call('read', 'data/k', { version: '1' }))
    assert.deepEqual(first['data'], { v: 1 })
    assert.equal((first['metadata'] as Record<string, unknown>)['version'], 1)
    // version=0 means latest, as in Vault.
    assert.deepEqual(dataOf(await kv.call('read', 'data/k', { version: '0' }))['data'], { v: 2 })
  })

  it('returns undefined for a missing key or a version that never existed', async () => {
    const kv = await makeKv({ version: '2' })
    assert.equal(await kv.call('read', 'data/none'), undefined)
    await kv.call('update', 'data/k', { data: { v: 1 } })
    assert.equal(await kv.call('read', 'data/k', { version: '9' }), undefined)
    // A negative version names none (Vault looks it up and finds nothing), on the data and subkeys paths alike.
    assert.equal(await kv.call('read', 'data/k', { version: '-1' }), undefined)
    assert.equal(await kv.call('read', 'subkeys/k', { version: '-1' }), undefined)
  })

  it('refuses a missing or non-object data field and an empty path', async () => {
    const kv = await makeKv({ version: '2' })
    await assert.rejects(kv.call('update', 'data/k', {}), { status: 400, message: 'no data provided' })
    await assert.rejects(kv.call('update', 'data/k', { data: 'text' }), {
      status: 400,
      message: 'invalid value for "data": expected an object',
    })
    await assert.rejects(kv.call('update', 'data/k', { data: [1, 2] }), { status: 400 })
    await assert.rejects(kv.call('update', 'data/k', { data: { a: 1 }, options: 5 }), {
      status: 400,
      message: 'invalid value for "options": expected an object',
    })
    await assert.rejects(kv.call('update', 'data/', { data: { a: 1 } }), {
      status: 400,
      message: 'missing path',
    })
    await assert.rejects(kv.call('update', 'data', { data: { a: 1 } }), {
      status: 400,
      message: 'missing path',
    })
  })

  it('does not let a caller change a stored version by mutating what it got back', async () => {
    const kv = await makeKv({ version: '2' })
    const body = { nested: { a: 1 } }
    await kv.call('update', 'data/k', { data: body })
    body.nested.a = 99
    assert.deepEqual(dataOf(await kv.call('read', 'data/k'))['data'], { nested: { a: 1 } })
  })

  it('writes each version and its metadata in one storage batch', async () => {
    const kv = await makeKv({ version: '2' })
    const batches: number[] = []
    const original = kv.storage.batch.bind(kv.storage)
    kv.storage.batch = async (ops) => {
      batches.push(ops.length)
      return original(ops)
    }
    let puts = 0
    const originalPut = kv.storage.put.bind(kv.storage)
    kv.storage.put = async (key, value) => {
      puts += 1
      return originalPut(key, value)
    }
    await kv.call('update', 'data/k', { data: { a: 1 } })
    assert.deepEqual(batches, [2])
    assert.equal(puts, 0)
  })
})

describe('KV v2 check-and-set', () => {
  it('cas=0 writes only when the key does not exist', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/k', { data: { a: 1 }, options: { cas: 0 } })
    await assert.rejects(kv.call('update', 'data/k', { data: { a: 2 }, options: { cas: 0 } }), {
      status: 400,
      message: 'check-and-set parameter did not match the current version',
    })
  })

  it('a matching cas (number or string) writes; a stale one is refused', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/k', { data: { a: 1 } })
    await kv.call('update', 'data/k', { data: { a: 2 }, options: { cas: 1 } })
    await kv.call('update', 'data/k', { data: { a: 3 }, options: { cas: '2' } })
    await assert.rejects(kv.call('update', 'data/k', { data: { a: 4 }, options: { cas: 2 } }), {
      status: 400,
    })
    await assert.rejects(kv.call('update', 'data/k', { data: { a: 4 }, options: { cas: 'x' } }), {
      status: 400,
      message: 'error parsing check-and-set parameter',
    })
    assert.deepEqual(dataOf(await kv.call('read', 'data/k'))['data'], { a: 3 })
  })

  it('lets exactly one of three concurrent cas=0 writes win', async () => {
    const kv = await makeKv({ version: '2' })
    const results = await Promise.allSettled([
      kv.call('update', 'data/k', { data: { who: 'a' }, options: { cas: 0 } }),
      kv.call('update', 'data/k', { data: { who: 'b' }, options: { cas: 0 } }),
      kv.call('update', 'data/k', { data: { who: 'c' }, options: { cas: 0 } }),
    ])
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'rejected'],
    )
    assert.equal(dataOf(await kv.call('read', 'metadata/k'))['current_version'], 1)
  })

  it('requires cas when the mount or the key says so', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'config', { cas_required: true })
    await assert.rejects(kv.call('update', 'data/k', { data: { a: 1 } }), {
      status: 400,
      message: 'check-and-set parameter required for this call',
    })
    await kv.call('update', 'data/k', { data: { a: 1 }, options: { cas: 0 } })

    const other = await makeKv({ version: '2' })
    await other.call('update', 'data/k', { data: { a: 1 } })
    await other.call('update', 'metadata/k', { cas_required: true })
    await assert.rejects(other.call('update', 'data/k', { data: { a: 2 } }), { status: 400 })
    await other.call('update', 'data/k', { data: { a: 2 }, options: { cas: 1 } })
  })
})

describe('KV v2 PATCH', () => {
  it('merge-patches the latest version into a new one', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/k', { data: { keep: 1, drop: 2, nested: { a: 1, b: 2 } } })
    const patched = dataOf(
      await kv.patch('data/k', { data: { drop: null, add: 3, nested: { b: null, c: 3 } } }),
    )
    assert.equal(patched['version'], 2)
    assert.deepEqual(dataOf(await kv.call('read', 'data/k'))['data'], {
      keep: 1,
      nested: { a: 1, c: 3 },
      add: 3,
    })
  })

  it('refuses another content type with 415', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/k', { data: { a: 1 } })
    await assert.rejects(kv.call('patch', 'data/k', { data: { a: 2 } }), {
      status: 415,
      message: 'PATCH requires Content-Type of application/merge-patch+json, got "application/json"',
    })
    await kv.call(
      'patch',
      'data/k',
      { data: { a: 2 } },
      { contentType: 'application/merge-patch+json; charset=utf-8' },
    )
  })

  it('is a 404 for a missing key and a 404 with the summary for a deleted or destroyed latest version', async () => {
    const kv = await makeKv({ version: '2' })
    await assert.rejects(kv.patch('data/none', { data: { a: 1 } }), { status: 404 })
    await kv.call('update', 'data/k', { data: { a: 1 } })
    await kv.call('delete', 'data/k')
    const deleted = await kv.patch('data/k', { data: { a: 2 } })
    assert.equal(deleted?.status, 404)
    assert.equal(dataOf(deleted)['deletion_time'], T0)
    await kv.call('update', 'destroy/k', { versions: [1] })
    const destroyed = await kv.patch('data/k', { data: { a: 2 } })
    assert.equal(destroyed?.status, 404)
    assert.equal(dataOf(destroyed)['destroyed'], true)
  })

  it('honours cas and needs data', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/k', { data: { a: 1 } })
    await assert.rejects(kv.patch('data/k', { data: { a: 2 }, options: { cas: 0 } }), { status: 400 })
    await assert.rejects(kv.patch('data/k', {}), { status: 400, message: 'no data provided' })
    await kv.patch('data/k', { data: { a: 2 }, options: { cas: 1 } })
  })
})

describe('KV v2 soft delete via DELETE data/', () => {
  it('hides the latest version: 404 with data null and metadata present', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/k', { data: { a: 1 } })
    kv.tick(500)
    assert.equal(await kv.call('delete', 'data/k'), undefined)
    const read = await kv.call('read', 'data/k')
    assert.equal(read?.status, 404)
    assert.deepEqual(read?.data, {
      data: null,
      metadata: {
        created_time: T0,
        custom_metadata: null,
        deletion_time: rfc3339(START + 500),
        destroyed: false,
        version: 1,
      },
    })
  })

  it('keeps the first deletion time when deleted twice, and ignores a missing key', async () => {
    const kv = await makeKv({ version: '2' })
    assert.equal(await kv.call('delete', 'data/none'), undefined)
    await kv.call('update', 'data/k', { data: { a: 1 } })
    await kv.call('delete', 'data/k')
    kv.tick(1000)
    await kv.call('delete', 'data/k')
    const meta = dataOf(await kv.call('read', 'data/k'))['metadata'] as Record<string, unknown>
    assert.equal(meta['deletion_time'], T0)
  })
})

describe('KV v2 max_versions and delete_version_after', () => {
  it('keeps 10 versions by default and deletes the data of older ones', async () => {
    const kv = await makeKv({ version: '2' })
    for (let i = 1; i <= 12; i++) await kv.call('update', 'data/k', { data: { i } })
    const meta = dataOf(await kv.call('read', 'metadata/k'))
    assert.deepEqual(Object.keys(meta['versions'] as object), [
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
      '11',
      '12',
    ])
    assert.equal(meta['oldest_version'], 3)
    assert.equal(meta['current_version'], 12)
    assert.equal(await kv.call('read', 'data/k', { version: '2' }), undefined)
    const versionKeys = (await listRecursive(kv.storage, 'versions/')).length
    assert.equal(versionKeys, 10)
  })

  it('uses the larger of the mount and key max_versions', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'config', { max_versions: 2 })
    for (let i = 1; i <= 4; i++) await kv.call('update', 'data/k', { data: { i } })
    assert.deepEqual(Object.keys(dataOf(await kv.call('read', 'metadata/k'))['versions'] as object), [
      '3',
      '4',
    ])
    await kv.call('update', 'metadata/k', { max_versions: 3 })
    for (let i = 5; i <= 6; i++) await kv.call('update', 'data/k', { data: { i } })
    assert.deepEqual(Object.keys(dataOf(await kv.call('read', 'metadata/k'))['versions'] as object), [
      '4',
      '5',
      '6',
    ])
  })

  it('mirrors Vault’s oldest_version: 0 until the window first moves', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'metadata/k', { max_versions: 2 })
    await kv.call('update', 'data/k', { data: { i: 1 } })
    assert.equal(dataOf(await kv.call('read', 'metadata/k'))['oldest_version'], 0)
    await kv.call('update', 'data/k', { data: { i: 2 } })
    const meta = dataOf(await kv.call('read', 'metadata/k'))
    assert.equal(meta['oldest_version'], 1)
    assert.deepEqual(Object.keys(meta['versions'] as object), ['1', '2'])
  })

  it('sets a future deletion_time from the smaller delete_version_after, and the version disappears then', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'config', { delete_version_after: '1h' })
    await kv.call('update', 'metadata/k', { delete_version_after: '30m' })
    const written = dataOf(await kv.call('update', 'data/k', { data: { a: 1 } }))
    assert.equal(written['deletion_time'], rfc3339(START + 30 * 60_000))
    kv.tick(30 * 60_000 - 1)
    assert.deepEqual(dataOf(await kv.call('read', 'data/k'))['data'], { a: 1 })
    kv.tick(1)
    assert.equal((await kv.call('read', 'data/k'))?.status, 404)
  })

  it('a disabled mount delete_version_after ("-1s") wins over the key setting', async () => {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'config', { delete_version_after: '-1s' })
    await kv.call('update', 'metadata/k', { delete_version_after: '30m' })
    const written = dataOf(await kv.call('update', 'data/k', { data: { a: 1 } }))
    assert.equal(written['deletion_time'], '')
  })
})

describe('KV v2 data/ existence', () => {
  it('exists once metadata exists', async () => {
    const kv = await makeKv({ version: '2' })
    assert.equal(await kv.exists('data/k'), false)
    await kv.call('update', 'metadata/k', { max_versions: 3 })
    assert.equal(await kv.exists('data/k'), true)
    // Metadata without versions reads as absent.
    assert.equal(await kv.call('read', 'data/k'), undefined)
  })

  it('does not support LIST on data/ (Vault lists through metadata/)', async () => {
    const kv = await makeKv({ version: '2' })
    await assert.rejects(kv.call('list', 'data/'), { status: 405 })
  })
})

describe('KV v2 with unrepresentable times already in storage', () => {
  // What earlier releases stored for delete_version_after "99999999999999h": seconds, and a deadline in ms.
  const HUGE_SECONDS = 99999999999999 * 3600
  const HUGE_DEADLINE = START + HUGE_SECONDS * 1000

  async function seeded() {
    const kv = await makeKv({ version: '2' })
    await kv.call('update', 'data/k', { data: { a: 1 } })
    await putJson(kv.storage, CONFIG_KEY, {
      maxVersions: 0,
      casRequired: false,
      deleteVersionAfter: HUGE_SECONDS,
    })
    const meta = (await getJson<KeyMetadata>(kv.storage, metadataKey('k')))!
    meta.deleteVersionAfter = HUGE_SECONDS
    meta.versions['1']!.deletionTime = HUGE_DEADLINE
    await putJson(kv.storage, metadataKey('k'), meta)
    return kv
  }

  it('reads data and metadata, treating the deletion time as never', async () => {
    const kv = await seeded()
    const read = dataOf(await kv.call('read', 'data/k'))
    assert.deepEqual(read['data'], { a: 1 })
    assert.equal((read['metadata'] as Record<string, unknown>)['deletion_time'], '')
    const meta = dataOf(await kv.call('read', 'metadata/k'))
    assert.deepEqual(meta['versions'], { '1': { created_time: T0, deletion_time: '', destroyed: false } })
  })

  it('writes, patches, deletes and undeletes without failing', async () => {
    const kv = await seeded()
    assert.equal(dataOf(await kv.call('update', 'data/k', { data: { a: 2 } }))['deletion_time'], '')
    assert.equal(dataOf(await kv.patch('data/k', { data: { b: 3 } }))['deletion_time'], '')
    assert.deepEqual(dataOf(await kv.call('read', 'data/k'))['data'], { a: 2, b: 3 })
    await kv.call('update', 'delete/k', { versions: [1] })
    assert.equal(
      (dataOf(await kv.call('read', 'metadata/k'))['versions'] as Record<string, Record<string, unknown>>)[
        '1'
      ]!['deletion_time'],
      T0,
    )
    await kv.call('update', 'undelete/k', { versions: [1] })
    assert.deepEqual(dataOf(await kv.call('read', 'data/k', { version: 1 }))['data'], { a: 1 })
  })
})

describe('KV v2 reads answered from the barrier cache without an await', () => {
  it('never serves a version after it was rewritten, deleted, destroyed, or its metadata removed', async () => {
    const barrier = new Barrier(new MemoryStorage())
    const key = randomBytes(32)
    await barrier.initialize(key)
    await barrier.unseal(key)
    const kv = await makeKv({ version: '2', storage: barrier })
    const read = async (version?: string) => {
      const answer = await kv.call('read', 'data/k', version === undefined ? {} : { version })
      return {
        status: answer?.status ?? 200,
        data: (answer?.data as Record<string, unknown> | undefined)?.['data'],
      }
    }
    await kv.call('update', 'data/k', { data: { v: 1 } })
    assert.deepEqual(await read(), { status: 200, data: { v: 1 } })
    assert.deepEqual(await read(), { status: 200, data: { v: 1 } }, 'a hot read')
    await kv.call('update', 'data/k', { data: { v: 2 } })
    assert.deepEqual(await read(), { status: 200, data: { v: 2 } })
    assert.deepEqual(await read(), { status: 200, data: { v: 2 } })
    assert.deepEqual(await read('1'), { status: 200, data: { v: 1 } })
    await kv.patch('data/k', { data: { w: 3 } })
    assert.deepEqual(await read(), { status: 200, data: { v: 2, w: 3 } })
    await kv.call('delete', 'data/k')
    assert.deepEqual(await read(), { status: 404, data: null }, 'soft-deleted')
    await kv.call('update', 'undelete/k', { versions: [3] })
    assert.deepEqual(await read(), { status: 200, data: { v: 2, w: 3 } }, 'undeleted')
    assert.deepEqual(await read('1'), { status: 200, data: { v: 1 } })
    await kv.call('update', 'destroy/k', { versions: [1] })
    assert.deepEqual(await read('1'), { status: 404, data: null }, 'destroyed')
    await kv.call('update', 'delete/k', { versions: [3] })
    assert.deepEqual(await read(), { status: 404, data: null })
    await kv.call('delete', 'metadata/k')
    assert.equal(await kv.call('read', 'data/k'), undefined, 'metadata and all versions gone')
    await kv.call('update', 'data/k', { data: { v: 'new' } })
    assert.deepEqual(await read(), { status: 200, data: { v: 'new' } })
    kv.tick(1000)
    await kv.call('update', 'metadata/k', { delete_version_after: '1s' })
    kv.tick(2000)
    assert.equal((await read()).status, 200, 'delete_version_after binds versions written after it')
    await kv.call('update', 'data/k', { data: { v: 'timed' } })
    assert.deepEqual(await read(), { status: 200, data: { v: 'timed' } })
    kv.tick(1500)
    assert.deepEqual(
      await read(),
      { status: 404, data: null },
      'the deletion time is compared with the clock',
    )
  })
})

describe('KV v2 writes taking config and metadata from the barrier cache without an await', () => {
  /** A KV mount on an unsealed barrier, and what the barrier remembers about one secret's metadata. */
  async function cachedKv() {
    const physical = new MemoryStorage()
    const counted = { reads: 0 }
    const get = physical.get.bind(physical)
    physical.get = (k: string) => {
      counted.reads++
      return get(k)
    }
    const barrier = new Barrier(physical)
    const key = randomBytes(32)
    await barrier.initialize(key)
    await barrier.unseal(key)
    const kv = await makeKv({ version: '2', storage: barrier })
    return { barrier, key, kv, counted }
  }

  it('writes a new secret on a remembered absence exactly as on a read one, and sees every later change', async () => {
    const { barrier, key, kv, counted } = await cachedKv()
    await kv.call('update', 'data/first', { data: { v: 0 } })
    // The existence check reads the absent metadata first, as the pipeline does; the barrier remembers it, and
    // the mount's absent config since the first write.
    assert.equal(await kv.exists('data/k'), false)
    const reads = counted.reads
    const created = await kv.call('update', 'data/k', { data: { v: 1 }, options: { cas: 0 } })
    assert.equal(counted.reads, reads, 'the write read nothing from storage')
    assert.equal(dataOf(created)['version'], 1, 'cas=0 on a remembered absence')
    assert.deepEqual(dataOf(await kv.call('read', 'data/k'))['data'], { v: 1 })
    await assert.rejects(kv.call('update', 'data/k', { data: { v: 2 }, options: { cas: 0 } }), {
      status: 400,
      message: 'check-and-set parameter did not match the current version',
    })

    // The mount's config, remembered absent by the writes above, is seen as soon as it is written.
    await kv.call('update', 'config', { cas_required: true, max_versions: 2 })
    await assert.rejects(kv.call('update', 'data/k', { data: { v: 2 } }), { status: 400 })
    await kv.call('update', 'data/k', { data: { v: 2 }, options: { cas: 1 } })
    await kv.call('update', 'data/k', { data: { v: 3 }, options: { cas: 2 } })
    const meta = dataOf(await kv.call('read', 'metadata/k'))
    assert.equal(meta['oldest_version'], 2, 'the mount max_versions written after the absence was remembered')
    await kv.call('update', 'config', { cas_required: false, max_versions: 0 })

    // Metadata removed, then written through metadata/ after its absence was remembered again.
    await kv.call('delete', 'metadata/k')
    assert.equal(await kv.exists('data/k'), false)
    await kv.call('update', 'metadata/k', { cas_required: true, custom_metadata: { owner: 'a' } })
    await assert.rejects(kv.call('update', 'data/k', { data: { v: 'x' } }), { status: 400 })
    const written = await kv.call('update', 'data/k', { data: { v: 'x' }, options: { cas: 0 } })
    assert.deepEqual(dataOf(written)['custom_metadata'], { owner: 'a' })

    // A batch from another path (soft delete then destroy) and a seal in between: nothing stale is reused.
    await kv.call('delete', 'data/k')
    await kv.call('update', 'data/k', { data: { v: 'y' }, options: { cas: 1 } })
    assert.deepEqual(dataOf(await kv.call('read', 'data/k'))['data'], { v: 'y' })
    barrier.seal()
    await barrier.unseal(key)
    await kv.call('update', 'data/k', { data: { v: 'z' }, options: { cas: 2 } })
    assert.deepEqual(dataOf(await kv.call('read', 'data/k'))['data'], { v: 'z' })
  })

  it('keeps concurrent cas=0 writes to one new secret to a single winner', async () => {
    const { kv } = await cachedKv()
    await kv.call('update', 'data/first', { data: { v: 0 } })
    assert.equal(await kv.exists('data/race'), false)
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map((v) => kv.call('update', 'data/race', { data: { v }, options: { cas: 0 } })),
    )
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1)
    const meta = dataOf(await kv.call('read', 'metadata/race'))
    assert.equal(meta['current_version'], 1)
  })
})
