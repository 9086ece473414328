// Tests for KV v1: arbitrary JSON objects at any path, delete, list and existence.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isAppError } from '../../../sdk/errors.ts'
import { dataOf, makeKv } from './test-helpers.ts'

describe('KV v1', () => {
  it('stores any keys and reads them back', async () => {
    const kv = await makeKv({ version: '1' })
    const body = { user: 'app', nested: { a: [1, 2] }, ttl: '1h', n: 3 }
    assert.equal(await kv.call('create', 'team/app', body), undefined)
    assert.deepEqual(dataOf(await kv.call('read', 'team/app')), body)
  })

  it('replaces the whole object on update', async () => {
    const kv = await makeKv()
    await kv.call('create', 'a', { x: 1, y: 2 })
    await kv.call('update', 'a', { z: 3 })
    assert.deepEqual(dataOf(await kv.call('read', 'a')), { z: 3 })
  })

  it('returns undefined for a missing path, so core renders 404', async () => {
    const kv = await makeKv()
    assert.equal(await kv.call('read', 'nope'), undefined)
  })

  it('refuses an empty body and an empty path', async () => {
    const kv = await makeKv()
    await assert.rejects(kv.call('update', 'a', {}), { status: 400, message: 'missing data fields' })
    await assert.rejects(kv.call('update', '', { a: 1 }), { status: 400, message: 'missing path' })
  })

  it('refuses a path that names a folder', async () => {
    const kv = await makeKv()
    await assert.rejects(kv.call('update', 'a/', { a: 1 }), (error) => {
      assert.ok(isAppError(error))
      assert.equal(error.status, 400)
      assert.match(error.message, /must not start or end with "\/"/)
      return true
    })
    await assert.rejects(kv.call('update', 'a//b', { a: 1 }), { status: 400 })
  })

  it('deletes', async () => {
    const kv = await makeKv()
    await kv.call('create', 'a', { x: 1 })
    assert.equal(await kv.call('delete', 'a'), undefined)
    assert.equal(await kv.call('read', 'a'), undefined)
    // Deleting again is not an error.
    assert.equal(await kv.call('delete', 'a'), undefined)
  })

  it('lists one level with folders ending in "/"', async () => {
    const kv = await makeKv()
    await kv.call('create', 'a', { x: 1 })
    await kv.call('create', 'b/c', { x: 1 })
    await kv.call('create', 'b/d/e', { x: 1 })
    assert.deepEqual(dataOf(await kv.call('list', '')), { keys: ['a', 'b/'] })
    assert.deepEqual(dataOf(await kv.call('list', 'b/')), { keys: ['c', 'd/'] })
    assert.deepEqual(dataOf(await kv.call('list', 'b')), { keys: ['c', 'd/'] })
    assert.equal(await kv.call('list', 'zzz/'), undefined)
  })

  it('reports existence for create-versus-update', async () => {
    const kv = await makeKv()
    assert.equal(await kv.exists('a'), false)
    await kv.call('create', 'a', { x: 1 })
    assert.equal(await kv.exists('a'), true)
  })

  it('does not warn about unknown keys', async () => {
    const kv = await makeKv()
    assert.equal(await kv.call('update', 'a', { anything: 1, at: 'all' }), undefined)
  })

  it('refuses PATCH, which KV v1 does not support', async () => {
    const kv = await makeKv()
    await kv.call('create', 'a', { x: 1 })
    await assert.rejects(kv.patch('a', { y: 2 }), { status: 405 })
  })
})
