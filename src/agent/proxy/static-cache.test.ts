// The static cache: per-token authorisation by digest, and a read answered across a change is not stored.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { StaticCache } from './static-cache.ts'

const answer = (text: string) => ({ status: 200, contentType: 'application/json', body: Buffer.from(text) })

test('an entry serves the tokens the server accepted for it, and keeps no token in clear', () => {
  const cache = new StaticCache()
  assert.ok(cache.store('k', 'secret/data/a', 'token-a', answer('1'), cache.begin(), 10))
  const entry = cache.get('k')!
  assert.equal(cache.authorisedAt(entry, 'token-a'), 10)
  assert.equal(cache.authorisedAt(entry, 'token-b'), undefined)
  assert.ok(![...entry.tokens.keys()].includes('token-a'))
  cache.store('k', 'secret/data/a', 'token-b', answer('2'), cache.begin(), 20)
  assert.equal(
    cache.authorisedAt(cache.get('k')!, 'token-a'),
    10,
    'a fresh answer keeps earlier authorisations',
  )
  cache.forget(cache.get('k')!, 'token-a')
  assert.equal(cache.authorisedAt(cache.get('k')!, 'token-a'), undefined)
})

test('a read begun before a change to its path, or a clear, is not stored', () => {
  const cache = new StaticCache()
  const before = cache.begin()
  cache.invalidatePath('secret/data/a')
  assert.equal(cache.store('k', 'secret/data/a', 't', answer('old'), before, 1), false)
  assert.ok(cache.store('k2', 'secret/data/b', 't', answer('other path'), before, 1))
  const again = cache.begin()
  cache.clear()
  assert.equal(cache.store('k2', 'secret/data/b', 't', answer('x'), again, 1), false)
  assert.ok(cache.store('k2', 'secret/data/b', 't', answer('x'), cache.begin(), 1))
})

test('invalidation by path covers every version and namespace; by prefix a whole mount', () => {
  const cache = new StaticCache()
  cache.store('ns\0secret/data/a?version=1', 'secret/data/a', 't', answer('1'), cache.begin(), 1)
  cache.store('\0secret/data/a', 'secret/data/a', 't', answer('2'), cache.begin(), 1)
  cache.store('\0secret/data/b', 'secret/data/b', 't', answer('3'), cache.begin(), 1)
  cache.store('\0kv/b', 'kv/b', 't', answer('4'), cache.begin(), 1)
  assert.equal(cache.invalidatePath('secret/data/a'), 2)
  assert.equal(cache.invalidatePrefix('secret/'), 1)
  assert.equal(cache.size, 1)
})
