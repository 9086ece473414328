// Role writes racing a role delete on real SQLite storage: a delete that returned is never undone by an older write.
import assert from 'node:assert/strict'
import { after, it } from 'node:test'
import { holdNextPut, turns } from '../../../../test/helpers/gates.ts'
import { makeAuth, sqliteStorage } from '../userpass/test-helpers.ts'
import { jwtBackend } from './backend.ts'

const closers: Array<() => Promise<void>> = []
after(async () => {
  for (const close of closers) await close()
})

it('an update that read the role before a delete cannot put it back after the delete returned', async () => {
  const { storage, close } = await sqliteStorage()
  closers.push(close)
  // Holds the update's put of the role until released, so the delete can run in between.
  const { storage: held, arm, reached: putReached, release } = holdNextPut(storage, 'role/ci')
  const h = await makeAuth(jwtBackend, 'jwt', held)
  await h.call('update', 'role/ci', { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'coffer' })
  arm()
  const updated = h.call('update', 'role/ci', { token_policies: 'more' })
  await putReached
  const deleted = h.call('delete', 'role/ci')
  let deleteReturned = false
  void deleted.then(() => {
    deleteReturned = true
  })
  // Event-loop turns, not wall time: enough for an unlocked delete to finish while the update is held.
  for (let i = 0; i < 50 && !deleteReturned; i++) await turns(1)
  release()
  await Promise.all([updated, deleted])
  assert.equal(await h.call('read', 'role/ci'), undefined, 'the role stays deleted')
})
