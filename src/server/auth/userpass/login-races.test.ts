// Userpass under concurrent logins on real SQLite storage: lockout holds however many guesses arrive at once.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { userpassBackend } from './backend.ts'
import { INVALID_CREDENTIALS, LOCKED_OUT } from './path-login.ts'
import { type AuthHarness, makeAuth, sqliteStorage } from './test-helpers.ts'

const closers: Array<() => Promise<void>> = []
after(async () => {
  for (const close of closers) await close()
})

async function make(): Promise<AuthHarness> {
  const { storage, close } = await sqliteStorage()
  closers.push(close)
  return makeAuth(userpassBackend, 'userpass', storage)
}

/** Fires every login before awaiting any, and tallies the answers by outcome. */
async function burst(h: AuthHarness, username: string, passwords: string[]) {
  const answers = await Promise.allSettled(
    passwords.map((password) => h.call('update', `login/${username}`, { password })),
  )
  const tally = { ok: 0, wrong: 0, locked: 0, other: 0 }
  for (const answer of answers) {
    if (answer.status === 'fulfilled') tally.ok++
    else if (answer.reason.message === INVALID_CREDENTIALS) tally.wrong++
    else if (answer.reason.message === LOCKED_OUT) tally.locked++
    else tally.other++
  }
  return tally
}

describe('userpass login races (SQLite)', () => {
  it('evaluates at most lockout_threshold of 40 concurrent guesses; the right password sent last is refused', async () => {
    const h = await make()
    await h.call('create', 'users/alice', { password: 'right' })
    const guesses = [...Array.from({ length: 39 }, (_, i) => `guess-${i}`), 'right']
    assert.deepEqual(await burst(h, 'alice', guesses), { ok: 0, wrong: 5, locked: 35, other: 0 })
    assert.deepEqual(await burst(h, 'alice', ['right']), { ok: 0, wrong: 0, locked: 1, other: 0 })
    // The lock record was stored, not just counted in memory: a restarted mount still refuses.
    const restarted = await h.restart()
    assert.deepEqual(await burst(restarted, 'alice', ['right']), { ok: 0, wrong: 0, locked: 1, other: 0 })
    h.clock.now += 900_000
    assert.deepEqual(await burst(restarted, 'alice', ['right']), { ok: 1, wrong: 0, locked: 0, other: 0 })
  })

  it('runs concurrent right-password logins all, and a success resets the failure count', async () => {
    const h = await make()
    await h.call('create', 'users/bob', { password: 'right' })
    assert.deepEqual(await burst(h, 'bob', ['x', 'x', 'x', 'x']), { ok: 0, wrong: 4, locked: 0, other: 0 })
    assert.deepEqual(await burst(h, 'bob', ['right']), { ok: 1, wrong: 0, locked: 0, other: 0 })
    assert.deepEqual(await burst(h, 'bob', Array(6).fill('right')), { ok: 6, wrong: 0, locked: 0, other: 0 })
    assert.deepEqual(await burst(h, 'bob', Array(8).fill('x')), { ok: 0, wrong: 5, locked: 3, other: 0 })
  })
})
