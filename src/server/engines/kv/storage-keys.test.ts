// The KV engine's storage keys: a version written under newVersionKey is found where reads look (versionKey).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sha256Hex } from '../../../lib/hash.ts'
import { metadataKey, newVersionKey, versionKey } from './storage-keys.ts'

describe('KV storage keys', () => {
  it('writes a version where reads look for it, for paths read before and never read', () => {
    for (const path of ['app/db', 'a/b/c/d', 'é/😀', '1', 'app/db/']) {
      assert.equal(newVersionKey(path, 3), versionKey(path, 3))
      // Twice: the second read answers from the memo.
      assert.equal(versionKey(path, 3), `versions/${sha256Hex(path)}/3`)
      assert.equal(newVersionKey(path, 4), `versions/${sha256Hex(path)}/4`)
    }
  })

  it('keeps paths that look like version numbers apart', () => {
    assert.notEqual(newVersionKey('a', 12), newVersionKey('a/1', 2))
    assert.notEqual(versionKey('a', 12), versionKey('a/1', 2))
    assert.equal(metadataKey('a/1'), 'metadata/a/1')
  })
})
