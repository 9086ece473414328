// The audited request headers store: lower-cased names, written before they apply, one change at a time, reloaded.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { getJson, putJson, type Storage } from '../../sdk/storage.ts'
import { MemoryStorage } from '../physical/memory.ts'
import { AUDITED_HEADERS_KEY, AuditedHeadersConfig } from './audited-headers.ts'

async function loaded(storage: Storage = new MemoryStorage()): Promise<AuditedHeadersConfig> {
  const config = new AuditedHeadersConfig(storage)
  await config.load()
  return config
}

describe('AuditedHeadersConfig', () => {
  it('starts empty: no set in force, an empty map, no header', async () => {
    const config = await loaded()
    assert.equal(config.current, undefined)
    assert.deepEqual({ ...config.all() }, {})
    assert.equal(config.get('X-Anything'), undefined)
  })

  it('stores names lower-cased with their hmac flag, in Vault’s stored shape, and finds them whatever the case', async () => {
    const storage = new MemoryStorage()
    const config = await loaded(storage)
    await config.add('X-Test-Header', false)
    await config.add('X-Vault-Header', true)
    assert.deepEqual(config.get('x-TEST-header'), { hmac: false })
    assert.deepEqual(
      { ...config.all() },
      { 'x-test-header': { hmac: false }, 'x-vault-header': { hmac: true } },
    )
    assert.deepEqual(await getJson(storage, AUDITED_HEADERS_KEY), {
      'x-test-header': { hmac: false },
      'x-vault-header': { hmac: true },
    })
    assert.deepEqual(config.current?.names, ['x-test-header', 'x-vault-header'])
    assert.deepEqual([...(config.current?.clear ?? [])], ['x-test-header'])
  })

  it('overwrites a header’s flag, and replaces the set in force whole on each change', async () => {
    const config = await loaded()
    await config.add('X-A', false)
    const before = config.current
    await config.add('x-a', true)
    assert.notEqual(config.current, before)
    assert.deepEqual([...(before?.clear ?? [])], ['x-a'], 'the set an entry was built with never changes')
    assert.deepEqual([...(config.current?.clear ?? [])], [])
  })

  it('removes a header by any case, and a missing one quietly; with none left nothing is in force', async () => {
    const config = await loaded()
    await config.add('X-A', true)
    await config.remove('x-b')
    await config.remove('x-A')
    assert.equal(config.current, undefined)
    assert.deepEqual({ ...config.all() }, {})
  })

  it('refuses an invalid name with a 400 and stores nothing', async () => {
    const storage = new MemoryStorage()
    const config = await loaded(storage)
    for (const bad of ['', 'a b', 'a/b', 'x'.repeat(300)]) {
      await assert.rejects(config.add(bad, true), InvalidRequestError)
      assert.throws(() => config.get(bad), InvalidRequestError)
      await assert.rejects(config.remove(bad), InvalidRequestError)
    }
    assert.equal(await getJson(storage, AUDITED_HEADERS_KEY), undefined)
  })

  it('comes back from storage, with names Vault stored before lower-casing made lower-case', async () => {
    const storage = new MemoryStorage()
    await putJson(storage, AUDITED_HEADERS_KEY, { 'X-Old-Header': { hmac: true }, 'x-new': { hmac: false } })
    const config = await loaded(storage)
    assert.deepEqual({ ...config.all() }, { 'x-new': { hmac: false }, 'x-old-header': { hmac: true } })
    assert.deepEqual(config.current?.names, ['x-new', 'x-old-header'])
  })

  it('skips a stored entry that is not a header setting rather than failing the unseal', async () => {
    const storage = new MemoryStorage()
    await putJson(storage, AUDITED_HEADERS_KEY, {
      'x-ok': { hmac: true },
      'x-bad': 'yes',
      'x-odd': { hmac: 'no' },
    })
    const config = await loaded(storage)
    assert.deepEqual({ ...config.all() }, { 'x-odd': { hmac: true }, 'x-ok': { hmac: true } })
  })

  it('applies a change only once stored: a failed write leaves the set in force as it was', async () => {
    const storage = new MemoryStorage()
    const config = await loaded(storage)
    await config.add('x-a', true)
    const broken = new AuditedHeadersConfig({
      get: (key) => storage.get(key),
      put: () => Promise.reject(new Error('disk full')),
      delete: (key) => storage.delete(key),
      list: (prefix) => storage.list(prefix),
      batch: () => Promise.reject(new Error('disk full')),
    })
    await broken.load()
    await assert.rejects(broken.add('x-b', false), /disk full/)
    assert.deepEqual(broken.current?.names, ['x-a'])
  })

  it('runs concurrent changes one at a time: the set in force is the last one stored', async () => {
    const storage = new MemoryStorage()
    const config = await loaded(storage)
    await Promise.all(Array.from({ length: 20 }, (_, i) => config.add(`x-h${i}`, i % 2 === 0)))
    assert.equal(config.current?.names.length, 20)
    const reloaded = await loaded(storage)
    assert.deepEqual({ ...reloaded.all() }, { ...config.all() })
  })
})
