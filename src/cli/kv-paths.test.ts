// Tests for KV path building and mount preflight interpretation.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { kvApiPath, kvDisplayPath, parseMountInfo, sanitizePath } from './kv-paths.ts'

test('v2 inserts the API prefix after the mount', () => {
  const location = { mountPath: 'secret/', version: 2 as const, relative: 'app/db' }
  assert.equal(kvApiPath(location, 'data'), 'secret/data/app/db')
  assert.equal(kvApiPath(location, 'metadata'), 'secret/metadata/app/db')
  assert.equal(kvApiPath(location, 'delete'), 'secret/delete/app/db')
  assert.equal(kvApiPath(location, 'undelete'), 'secret/undelete/app/db')
  assert.equal(kvApiPath(location, 'destroy'), 'secret/destroy/app/db')
  assert.equal(kvDisplayPath(location), 'secret/app/db')
})

test('v2 at the mount root has no trailing slash; nested mounts keep their segments', () => {
  assert.equal(kvApiPath({ mountPath: 'secret/', version: 2, relative: '' }, 'metadata'), 'secret/metadata')
  assert.equal(kvApiPath({ mountPath: 'team/kv/', version: 2, relative: 'x' }, 'data'), 'team/kv/data/x')
})

test('v1 uses the path as is', () => {
  assert.equal(kvApiPath({ mountPath: 'kv/', version: 1, relative: 'a/b' }, 'data'), 'kv/a/b')
  assert.equal(kvApiPath({ mountPath: '', version: 1, relative: 'kv/a' }, 'metadata'), 'kv/a')
})

test('paths are cleaned of stray slashes', () => {
  assert.equal(sanitizePath('/secret//foo/'), 'secret/foo')
})

test('mount info: version 2 only when options.version is "2"', () => {
  assert.deepEqual(parseMountInfo({ data: { path: 'secret/', type: 'kv', options: { version: '2' } } }), {
    mountPath: 'secret/',
    version: 2,
  })
  assert.deepEqual(parseMountInfo({ data: { path: 'kv', options: null } }), { mountPath: 'kv/', version: 1 })
  assert.deepEqual(parseMountInfo(null), { mountPath: '', version: 1 })
})
