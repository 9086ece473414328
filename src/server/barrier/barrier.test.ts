// The barrier: init/unseal/seal lifecycle, encryption at rest, rotation, rekey and reserved keys.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { readTerm } from '../../lib/sealed-value.ts'
import { InvalidRequestError, SealedError } from '../../sdk/errors.ts'
import type { StorageOp } from '../../sdk/storage.ts'
import { MemoryStorage } from '../physical/memory.ts'
import { SqliteStorage } from '../physical/sqlite.ts'
import { Barrier, KEYRING_PATH, ROOT_KEY_PATH } from './barrier.ts'

const text = (value: string): Uint8Array => new TextEncoder().encode(value)
const unsealKey = (fill: number): Uint8Array => new Uint8Array(32).fill(fill)
const KEY = unsealKey(0x11)

function fakeClock(start: number): { now(): number; advance(ms: number): void } {
  let current = start
  return {
    now: () => current,
    advance: (ms) => {
      current += ms
    },
  }
}

async function unsealedBarrier(
  physical = new MemoryStorage(),
): Promise<{ barrier: Barrier; physical: MemoryStorage }> {
  const barrier = new Barrier(physical)
  await barrier.initialize(KEY)
  await barrier.unseal(KEY)
  return { barrier, physical }
}

describe('Barrier lifecycle', () => {
  it('initializes sealed, refuses a second initialize, and unseals with the key', async () => {
    const physical = new MemoryStorage()
    const barrier = new Barrier(physical)
    assert.equal(await barrier.isInitialized(), false)
    await barrier.initialize(KEY)
    assert.equal(await barrier.isInitialized(), true)
    assert.equal(barrier.sealed, true)
    assert.deepEqual(await physical.list('core/'), ['keyring', 'root-key'])
    await assert.rejects(barrier.initialize(KEY), {
      name: 'InvalidRequestError',
      message: 'Vault is already initialized',
    })
    await barrier.unseal(KEY)
    assert.equal(barrier.sealed, false)
  })

  it('rejects a wrong unseal key with a 400 that names no key bytes', async () => {
    const barrier = new Barrier(new MemoryStorage())
    await barrier.initialize(KEY)
    const wrong = unsealKey(0x22)
    await assert.rejects(barrier.unseal(wrong), (error: unknown) => {
      assert.ok(error instanceof InvalidRequestError)
      assert.equal(error.status, 400)
      assert.equal(error.message, 'unseal failed: invalid key')
      return true
    })
    await assert.rejects(barrier.unseal(new Uint8Array(5)), { message: 'unseal failed: invalid key' })
    assert.equal(barrier.sealed, true)
  })

  it('refuses to unseal before initialize and to initialize with a short key', async () => {
    const barrier = new Barrier(new MemoryStorage())
    await assert.rejects(barrier.unseal(KEY), {
      name: 'InvalidRequestError',
      message: 'Vault is not initialized',
    })
    await assert.rejects(barrier.initialize(new Uint8Array(16)), InvalidRequestError)
    assert.equal(await barrier.isInitialized(), false)
  })

  it('throws SealedError from every storage call while sealed', async () => {
    const { barrier } = await unsealedBarrier()
    await barrier.put('a', text('1'))
    barrier.seal()
    assert.equal(barrier.sealed, true)
    await assert.rejects(barrier.get('a'), SealedError)
    await assert.rejects(barrier.put('a', text('2')), SealedError)
    await assert.rejects(barrier.delete('a'), SealedError)
    await assert.rejects(barrier.list(''), SealedError)
    await assert.rejects(barrier.batch([{ op: 'delete', key: 'a' }]), SealedError)
    await assert.rejects(barrier.rotate(), SealedError)
    assert.throws(() => barrier.keyStatus(), SealedError)
    await barrier.unseal(KEY)
    assert.deepEqual(await barrier.get('a'), text('1'))
  })

  it('stays sealed when seal() lands while an unseal is in flight', async () => {
    const barrier = new Barrier(new MemoryStorage())
    await barrier.initialize(KEY)
    const pending = barrier.unseal(KEY)
    barrier.seal()
    await pending
    assert.equal(barrier.sealed, true)
  })
})

describe('Barrier storage', () => {
  it('stores ciphertext in physical storage and plaintext through the barrier', async () => {
    const { barrier, physical } = await unsealedBarrier()
    await barrier.put('secret/a', text('plain value'))
    await barrier.batch([
      { op: 'put', key: 'secret/b', value: text('b') },
      { op: 'put', key: 'secret/sub/c', value: new Uint8Array(0) },
    ])
    const raw = await physical.get('secret/a')
    assert.ok(raw)
    assert.equal(readTerm(raw), 1)
    assert.equal(Buffer.from(raw).includes('plain value'), false)
    assert.deepEqual(await barrier.get('secret/a'), text('plain value'))
    assert.equal((await barrier.get('secret/sub/c'))?.byteLength, 0)
    assert.equal(await barrier.get('secret/missing'), undefined)
    assert.deepEqual(await barrier.list('secret/'), ['a', 'b', 'sub/'])
    await barrier.delete('secret/a')
    await barrier.batch([{ op: 'delete', key: 'secret/b' }])
    assert.deepEqual(await barrier.list('secret/'), ['sub/'])
  })

  it('forgets a value read while a batch was being stored, once the batch is done', async () => {
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    // Real in-memory storage whose batches wait for the test to let them through.
    class HeldBatches extends MemoryStorage {
      hold = false
      override async batch(ops: StorageOp[]): Promise<void> {
        if (this.hold) await held
        return super.batch(ops)
      }
    }
    const physical = new HeldBatches()
    const { barrier } = await unsealedBarrier(physical)
    await barrier.put('secret/a', text('old'))
    physical.hold = true
    const writing = barrier.batch([{ op: 'put', key: 'secret/a', value: text('new') }])
    // Storage still holds the old value: a read now sees it and may keep it in the read cache.
    assert.deepEqual(await barrier.get('secret/a'), text('old'))
    release()
    await writing
    assert.deepEqual(barrier.getCached('secret/a'), undefined)
    assert.deepEqual(await barrier.get('secret/a'), text('new'))
  })

  it('binds each value to its key: a copied value fails to decrypt and the error names the key', async () => {
    const { barrier, physical } = await unsealedBarrier()
    await barrier.put('secret/a', text('value-a'))
    await physical.put('secret/b', (await physical.get('secret/a'))!)
    await assert.rejects(barrier.get('secret/b'), (error: Error) => {
      assert.match(error.message, /secret\/b/)
      assert.doesNotMatch(error.message, /value-a/)
      return true
    })
    await physical.put('secret/c', text('not encrypted at all'))
    await assert.rejects(barrier.get('secret/c'), /secret\/c/)
  })

  it('refuses to read or write the reserved keys and hides them from list', async () => {
    const { barrier } = await unsealedBarrier()
    for (const key of [ROOT_KEY_PATH, KEYRING_PATH]) {
      await assert.rejects(barrier.get(key), /reserved/)
      await assert.rejects(barrier.put(key, text('x')), /reserved/)
      await assert.rejects(barrier.delete(key), /reserved/)
      await assert.rejects(
        barrier.batch([
          { op: 'put', key: 'ok', value: text('x') },
          { op: 'delete', key },
        ]),
        /reserved/,
      )
    }
    assert.equal(await barrier.get('ok'), undefined, 'a batch with a reserved key writes nothing')
    await barrier.put('core/mounts', text('m'))
    assert.deepEqual(await barrier.list('core/'), ['mounts'])
  })
})

describe('Barrier keys', () => {
  it('rotates: new writes use the new term, old values stay readable across seal and unseal', async () => {
    const clock = fakeClock(1_000_000)
    const physical = new MemoryStorage()
    const barrier = new Barrier(physical, { clock })
    await barrier.initialize(KEY)
    await barrier.unseal(KEY)
    await barrier.put('old', text('written under term 1'))
    await barrier.put('old2', text('x'))
    assert.deepEqual(barrier.keyStatus(), { term: 1, installTime: 1_000_000, encryptions: 2 })
    clock.advance(5000)
    assert.deepEqual(await barrier.rotate(), { term: 2, installTime: 1_005_000, encryptions: 0 })
    await barrier.put('new', text('written under term 2'))
    assert.equal(readTerm((await physical.get('old'))!), 1)
    assert.equal(readTerm((await physical.get('new'))!), 2)
    assert.equal(barrier.keyStatus().encryptions, 1)
    barrier.seal()
    await barrier.unseal(KEY)
    assert.deepEqual(await barrier.get('old'), text('written under term 1'))
    assert.deepEqual(await barrier.get('new'), text('written under term 2'))
    assert.deepEqual(barrier.keyStatus(), { term: 2, installTime: 1_005_000, encryptions: 0 })
  })

  it('serialises concurrent rotations into distinct terms that all survive', async () => {
    const { barrier } = await unsealedBarrier()
    const writes: Promise<void>[] = []
    const rotations = [barrier.rotate(), barrier.rotate(), barrier.rotate()]
    for (let i = 0; i < 20; i++) writes.push(barrier.put(`k/${i}`, text(String(i))))
    const statuses = await Promise.all(rotations)
    await Promise.all(writes)
    assert.deepEqual(
      statuses.map((s) => s.term),
      [2, 3, 4],
    )
    await barrier.put('k/last', text('last'))
    barrier.seal()
    await barrier.unseal(KEY)
    assert.equal(barrier.keyStatus().term, 4)
    for (let i = 0; i < 20; i++) assert.deepEqual(await barrier.get(`k/${i}`), text(String(i)))
    assert.deepEqual(await barrier.get('k/last'), text('last'))
  })

  it('rekeys the unseal key: the old key stops working, data stays readable', async () => {
    const { barrier } = await unsealedBarrier()
    await barrier.put('data', text('kept'))
    const next = unsealKey(0x33)
    await assert.rejects(barrier.rekeyUnsealKey(unsealKey(0x44), next), {
      message: 'unseal failed: invalid key',
    })
    await barrier.rekeyUnsealKey(KEY, next)
    barrier.seal()
    await assert.rejects(barrier.unseal(KEY), InvalidRequestError)
    await barrier.unseal(next)
    assert.deepEqual(await barrier.get('data'), text('kept'))
  })

  it('verifies an unseal key against the root key in use without changing anything', async () => {
    const { barrier, physical } = await unsealedBarrier()
    const before = await physical.get(ROOT_KEY_PATH)
    await barrier.verifyUnsealKey(KEY)
    await assert.rejects(barrier.verifyUnsealKey(unsealKey(0x44)), InvalidRequestError)
    await assert.rejects(barrier.verifyUnsealKey(new Uint8Array(5)), InvalidRequestError)
    assert.deepEqual(await physical.get(ROOT_KEY_PATH), before)
    barrier.seal()
    await assert.rejects(barrier.verifyUnsealKey(KEY), SealedError)
  })

  it('rotates the root key under a new unseal key, with the seal configuration in the same batch', async () => {
    const { barrier, physical } = await unsealedBarrier()
    await barrier.put('data', text('kept'))
    const oldRoot = await physical.get(ROOT_KEY_PATH)
    const oldKeyring = await physical.get(KEYRING_PATH)
    const next = unsealKey(0x55)
    await barrier.rotateRootKey(next, [{ op: 'put', key: 'core/seal-config', value: text('{"n":1}') }])
    assert.notDeepEqual(await physical.get(ROOT_KEY_PATH), oldRoot)
    assert.notDeepEqual(await physical.get(KEYRING_PATH), oldKeyring)
    assert.deepEqual(await physical.get('core/seal-config'), text('{"n":1}'))
    assert.deepEqual(await barrier.get('data'), text('kept'))
    await barrier.verifyUnsealKey(next)
    barrier.seal()
    await assert.rejects(barrier.unseal(KEY), InvalidRequestError)
    await barrier.unseal(next)
    assert.deepEqual(await barrier.get('data'), text('kept'))
  })

  it('rotates the root key under the same unseal key (sys/rotate/root)', async () => {
    const { barrier, physical } = await unsealedBarrier()
    await barrier.put('data', text('kept'))
    const oldKeyring = await physical.get(KEYRING_PATH)
    await barrier.rotateRootKey()
    assert.notDeepEqual(await physical.get(KEYRING_PATH), oldKeyring)
    barrier.seal()
    await barrier.unseal(KEY)
    assert.deepEqual(await barrier.get('data'), text('kept'))
  })
})

describe('Barrier on SQLite', () => {
  const root = mkdtempSync(join(tmpdir(), 'coffer-barrier-'))
  after(() => rmSync(root, { recursive: true, force: true }))

  it('leaves no plaintext secret in the database or WAL files', async () => {
    const path = join(root, 'grep.db')
    const physical = SqliteStorage.open(path)
    const barrier = new Barrier(physical)
    await barrier.initialize(KEY)
    await barrier.unseal(KEY)
    const secret = 'correct-horse-battery-staple-9f3a'
    await barrier.put('secret/visible-key-name', text(secret))
    await barrier.batch([{ op: 'put', key: 'secret/other', value: text(`${secret}-batch`) }])
    const bytes = Buffer.concat([readFileSync(path), readFileSync(`${path}-wal`)])
    // Keys are stored in clear by design; finding one proves the search reads the real files.
    assert.ok(bytes.includes('secret/visible-key-name'))
    assert.equal(bytes.includes(secret), false)
    assert.deepEqual(await barrier.get('secret/visible-key-name'), text(secret))
    await physical.close()
  })

  it('seals on the writer thread in the same format: a barrier sealing on its own thread reads every term', async () => {
    const path = join(root, 'writer-seal.db')
    const physical = SqliteStorage.open(path)
    const barrier = new Barrier(physical)
    await barrier.initialize(KEY)
    await barrier.unseal(KEY)
    await barrier.put('a', text('term one'))
    await barrier.rotate()
    await Promise.all([
      barrier.batch([{ op: 'put', key: 'b', value: text('term two') }]),
      // Written while a rotation is in flight: sealed under whichever term was current when queued.
      barrier.rotate(),
      barrier.put('c', text('either term')),
    ])
    assert.equal(readTerm((await physical.get('a'))!), 1)
    assert.equal(readTerm((await physical.get('b'))!), 2)
    assert.ok([2, 3].includes(readTerm((await physical.get('c'))!)))
    assert.deepEqual(barrier.keyStatus().encryptions, 0)
    await barrier.put('d', text('term three'))
    assert.equal(readTerm((await physical.get('d'))!), 3)
    await physical.close()

    const reopened = SqliteStorage.open(path)
    const reader = new Barrier(reopened, { sealOnWriter: false })
    await reader.unseal(KEY)
    for (const [key, value] of [
      ['a', 'term one'],
      ['b', 'term two'],
      ['c', 'either term'],
      ['d', 'term three'],
    ] as const)
      assert.deepEqual(await reader.get(key), text(value))
    // And the other way round: a value sealed on this thread reads back through a writer-sealing barrier.
    await reader.put('e', text('main thread'))
    const writerSealing = new Barrier(reopened)
    await writerSealing.unseal(KEY)
    assert.deepEqual(await writerSealing.get('e'), text('main thread'))
    await reopened.close()
  })

  it('lets concurrent writers share commits: sixteen two-row batches of one turn take at most two fsyncs', async () => {
    const physical = SqliteStorage.open(join(root, 'shared-commits.db'))
    const barrier = new Barrier(physical)
    await barrier.initialize(KEY)
    await barrier.unseal(KEY)
    const before = physical.commitStats()
    // The shape of sixteen concurrent KV v2 writes: a version entry and the metadata, in one batch each.
    await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        barrier.batch([
          { op: 'put', key: `versions/${i}/1`, value: text(`version ${i}`) },
          { op: 'put', key: `metadata/${i}`, value: text(`metadata ${i}`) },
        ]),
      ),
    )
    const after = physical.commitStats()
    assert.equal(after.batches - before.batches, 16)
    // The first batch goes to an idle writer at once; the other fifteen follow as one group, which the writer
    // folds into the same commit when it arrives before that commit starts.
    assert.ok(after.commits - before.commits <= 2, `${after.commits - before.commits} commits`)
    for (let i = 0; i < 16; i++) assert.deepEqual(await barrier.get(`metadata/${i}`), text(`metadata ${i}`))
    await physical.close()
  })

  it("answers a key SQLite's key filter has never held as absent without a read, until a write to it starts", async () => {
    const physical = SqliteStorage.open(join(root, 'known-absent.db'))
    const barrier = new Barrier(physical)
    await barrier.initialize(KEY)
    await barrier.unseal(KEY)
    while (!physical.keyFilterState().complete) await new Promise((next) => setImmediate(next))
    const reads = barrier.timings.get.count
    assert.equal(barrier.knownAbsent('metadata/new'), true)
    assert.equal(await barrier.get('metadata/new'), undefined)
    // Neither answer read SQLite (only reads that reach storage are timed).
    assert.equal(barrier.timings.get.count, reads)
    const write = barrier.batch([{ op: 'put', key: 'metadata/new', value: text('v1') }])
    // From the moment the write is queued, the key is no longer known absent: a read goes to storage.
    assert.equal(barrier.knownAbsent('metadata/new'), false)
    await write
    assert.equal(barrier.knownAbsent('metadata/new'), false)
    assert.deepEqual(await barrier.get('metadata/new'), text('v1'))
    // A deleted key stays in the filter: its absence is read from SQLite and then remembered by the cache.
    await barrier.delete('metadata/new')
    assert.equal(barrier.knownAbsent('metadata/new'), false)
    assert.equal(await barrier.get('metadata/new'), undefined)
    assert.equal(barrier.knownAbsent('metadata/new'), true)
    barrier.seal()
    assert.equal(barrier.knownAbsent('metadata/other'), false)
    await physical.close()
    assert.equal(physical.knownAbsent('metadata/other'), false)
  })

  it('commits a write queued just before seal(), and refuses writes after it', async () => {
    const physical = SqliteStorage.open(join(root, 'seal-race.db'))
    const barrier = new Barrier(physical)
    await barrier.initialize(KEY)
    await barrier.unseal(KEY)
    const queued = barrier.put('queued', text('made before the seal'))
    barrier.seal()
    await queued
    await assert.rejects(barrier.put('late', text('x')), SealedError)
    await barrier.unseal(KEY)
    assert.deepEqual(await barrier.get('queued'), text('made before the seal'))
    assert.equal(await barrier.get('late'), undefined)
    await physical.close()
  })
})

describe('SQLite sealing writes', () => {
  const root = mkdtempSync(join(tmpdir(), 'coffer-sealing-'))
  after(() => rmSync(root, { recursive: true, force: true }))

  it('refuses a sealing batch when no key was given, without failing other writes in its group', async () => {
    const physical = SqliteStorage.open(join(root, 'no-key.db'))
    const results = await Promise.allSettled([
      physical.sealAndBatch([{ op: 'put', key: 'sealed', value: text('plaintext') }]),
      physical.batch([{ op: 'put', key: 'raw', value: text('stored as given') }]),
    ])
    assert.equal(results[0].status, 'rejected')
    assert.match(String((results[0] as PromiseRejectedResult).reason), /no key to seal/)
    assert.equal(results[1].status, 'fulfilled')
    assert.equal(await physical.get('sealed'), undefined)
    assert.deepEqual(await physical.get('raw'), text('stored as given'))
    // Once withdrawn, a key no longer seals anything.
    physical.setSealKey({ term: 7, key: unsealKey(0x22) })
    await physical.sealAndBatch([{ op: 'put', key: 'sealed', value: text('plaintext') }])
    assert.equal(readTerm((await physical.get('sealed'))!), 7)
    physical.setSealKey(undefined)
    await assert.rejects(
      physical.sealAndBatch([{ op: 'put', key: 'after', value: text('x') }]),
      /no key to seal/,
    )
    await physical.close()
  })
})
