// Random identifiers: right alphabet and length, no repeats, and every character about equally likely.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { randomAlphanumeric, timeOrderedId, uuid } from './random.ts'

test('randomAlphanumeric gives the requested length over [A-Za-z0-9]', () => {
  for (const length of [1, 24, 95, 5000]) {
    const value = randomAlphanumeric(length)
    assert.equal(value.length, length)
    assert.match(value, /^[A-Za-z0-9]+$/)
  }
})

test('randomAlphanumeric never repeats a value across pool refills', () => {
  const seen = new Set<string>()
  // 2,000 x 24 characters draws well past several 4 KiB pools.
  for (let i = 0; i < 2000; i++) seen.add(randomAlphanumeric(24))
  assert.equal(seen.size, 2000)
})

test('randomAlphanumeric draws each of the 62 characters about equally often', () => {
  const counts = new Map<string, number>()
  const sample = randomAlphanumeric(62 * 2000)
  for (const ch of sample) counts.set(ch, (counts.get(ch) ?? 0) + 1)
  assert.equal(counts.size, 62)
  // Chi-square with 61 degrees of freedom: the 0.9999 quantile is about 112; a bias of a few percent on
  // any character (as modulo without rejection gives the first eight) pushes it far past that.
  const expected = sample.length / 62
  let chi = 0
  for (const n of counts.values()) chi += (n - expected) ** 2 / expected
  assert.ok(chi < 112, `chi-square ${chi.toFixed(1)}`)
})

test('uuid is a version 4 UUID', () => {
  assert.match(uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
})

test('timeOrderedId sorts by creation time and keeps a random tail', () => {
  const earlier = timeOrderedId(24, 1_700_000_000_000)
  const later = timeOrderedId(24, 1_700_000_000_001)
  const much = timeOrderedId(24, 3_000_000_000_000)
  assert.equal(earlier.length, 24)
  assert.match(earlier, /^[A-Za-z0-9]{24}$/)
  assert.ok(earlier < later && later < much, `${earlier} < ${later} < ${much}`)
  // Same millisecond: same prefix, different random tails.
  const a = timeOrderedId(24, 1_700_000_000_000)
  assert.equal(a.slice(0, 7), earlier.slice(0, 7))
  assert.notEqual(a, earlier)
  assert.throws(() => timeOrderedId(20), RangeError)
})
