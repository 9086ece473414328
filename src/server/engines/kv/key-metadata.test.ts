// Tests for the version window and deletion scheduling.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { addVersion, isDeleted, newMetadata } from './key-metadata.ts'
import { DEFAULT_CONFIG, scheduledDeletion } from './kv-config.ts'

describe('addVersion', () => {
  it('numbers versions from 1 and reports the versions it prunes', () => {
    const meta = newMetadata(0)
    meta.maxVersions = 2
    assert.deepEqual(addVersion(meta, 1, null, 0), { version: 1, pruned: [] })
    assert.deepEqual(addVersion(meta, 2, null, 0), { version: 2, pruned: [] })
    assert.deepEqual(addVersion(meta, 3, null, 0), { version: 3, pruned: [1] })
    assert.deepEqual(Object.keys(meta.versions), ['2', '3'])
    assert.equal(meta.updatedTime, 3)
  })

  it('prunes several at once when max_versions shrinks', () => {
    const meta = newMetadata(0)
    for (let i = 1; i <= 6; i++) addVersion(meta, i, null, 0)
    meta.maxVersions = 2
    assert.deepEqual(addVersion(meta, 7, null, 0).pruned, [1, 2, 3, 4, 5])
    assert.deepEqual(Object.keys(meta.versions), ['6', '7'])
  })
})

describe('scheduledDeletion', () => {
  it('uses the smaller non-zero setting', () => {
    assert.equal(scheduledDeletion(1000, DEFAULT_CONFIG, 0), null)
    assert.equal(scheduledDeletion(1000, { ...DEFAULT_CONFIG, deleteVersionAfter: 10 }, 0), 11_000)
    assert.equal(scheduledDeletion(1000, { ...DEFAULT_CONFIG, deleteVersionAfter: 10 }, 5), 6000)
    assert.equal(scheduledDeletion(1000, { ...DEFAULT_CONFIG, deleteVersionAfter: 5 }, 10), 6000)
    assert.equal(scheduledDeletion(1000, { ...DEFAULT_CONFIG, deleteVersionAfter: -1 }, 10), null)
  })
})

describe('isDeleted', () => {
  it('is true from the deletion time on', () => {
    const vm = { createdTime: 0, deletionTime: 100, destroyed: false }
    assert.equal(isDeleted(vm, 99), false)
    assert.equal(isDeleted(vm, 100), true)
    assert.equal(isDeleted({ ...vm, deletionTime: null }, 1e15), false)
  })
})
