// When cached answers may be served: fresh only while change events flow, stale only within stale_if_error of losing
// contact, and a purge at the first answer after contact was lost.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ServerContact } from './server-contact.ts'

class Clock {
  t = 1_000_000
  now(): number {
    return this.t
  }
}

function contact(staleIfErrorMs: number) {
  const clock = new Clock()
  let purges = 0
  const c = new ServerContact({ staleIfErrorMs, clock, onPurge: () => purges++ })
  return { c, clock, purges: () => purges }
}

test('fresh only while every subscription is up and nothing failed since', () => {
  const { c } = contact(60_000)
  assert.equal(c.fresh, false, 'not before the stream is up')
  c.streamUp()
  assert.equal(c.fresh, true)
  c.unreachable()
  assert.equal(c.fresh, false, 'a failed request puts contact in doubt')
  c.serverAnswered()
  assert.equal(c.fresh, true)
  c.streamDown()
  assert.equal(c.fresh, false)
  c.serverAnswered()
  assert.equal(c.fresh, false, 'an answer does not bring back events missed while the stream is down')
})

test('stale within the bound counted from the moment contact was lost, not after', () => {
  const { c, clock } = contact(60_000)
  c.streamUp()
  assert.equal(c.staleAllowed, false, 'nothing stale while in contact')
  clock.t += 5_000
  c.streamDown()
  clock.t += 30_000
  c.unreachable()
  assert.equal(c.staleAllowed, true, '30 s after the stream dropped')
  clock.t += 30_000
  assert.equal(c.staleAllowed, true, 'exactly at the bound')
  clock.t += 1
  assert.equal(c.staleAllowed, false, 'past the bound')
})

test('a later failure does not move the moment contact was lost', () => {
  const { c, clock } = contact(10_000)
  c.streamUp()
  c.unreachable()
  clock.t += 8_000
  c.streamDown()
  c.unreachable()
  clock.t += 3_000
  assert.equal(c.staleAllowed, false, 'the bound runs from the first failure')
})

test('stale_if_error = 0 never serves stale', () => {
  const { c } = contact(0)
  c.streamUp()
  c.streamDown()
  c.unreachable()
  assert.equal(c.staleAllowed, false)
})

test('the first answer after contact was lost purges once; contact regained clears the loss', () => {
  const { c, purges } = contact(60_000)
  c.streamUp()
  assert.equal(purges(), 0)
  c.streamDown()
  c.unreachable()
  assert.equal(purges(), 0, 'nothing is purged while the server is silent')
  c.serverAnswered()
  assert.equal(purges(), 1)
  c.serverAnswered()
  assert.equal(purges(), 1)
  c.streamUp()
  assert.equal(purges(), 1)
  assert.equal(c.staleAllowed, false)
  assert.equal(c.fresh, true)
})
