// AppRole under concurrent requests on real SQLite storage: lockout by role ID, secret ID use counts, destroy, role delete, role_id uniqueness.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { Storage } from '../../../sdk/storage.ts'
import { type AuthHarness, makeAuth, sqliteStorage } from '../userpass/test-helpers.ts'
import { approleBackend } from './backend.ts'
import { INVALID_CREDENTIALS, LOCKED_OUT } from './path-login.ts'

const closers: Array<() => Promise<void>> = []
after(async () => {
  for (const close of closers) await close()
})

async function make(wrap: (storage: Storage) => Storage = (storage) => storage): Promise<AuthHarness> {
  const { storage, close } = await sqliteStorage()
  closers.push(close)
  return makeAuth(approleBackend, 'approle', wrap(storage))
}

async function setup(h: AuthHarness, secret: Record<string, unknown> = {}) {
  await h.call('create', 'role/app', { token_policies: 'dev' })
  const roleId = (await h.call('read', 'role/app/role-id'))?.data?.['role_id'] as string
  const issued = (await h.call('update', 'role/app/secret-id', secret))?.data ?? {}
  return { roleId, secretId: issued['secret_id'] as string, accessor: issued['secret_id_accessor'] as string }
}

const login = (h: AuthHarness, roleId: string, secretId: string) =>
  h.call('update', 'login', { role_id: roleId, secret_id: secretId })

/** Tallies settled logins by outcome. */
function tally(answers: PromiseSettledResult<unknown>[]) {
  const out = { ok: 0, wrong: 0, locked: 0, other: 0 }
  for (const answer of answers) {
    if (answer.status === 'fulfilled') out.ok++
    else if (answer.reason.message === INVALID_CREDENTIALS) out.wrong++
    else if (answer.reason.message === LOCKED_OUT) out.locked++
    else out.other++
  }
  return out
}

const burst = (h: AuthHarness, roleId: string, secretIds: string[]) =>
  Promise.allSettled(secretIds.map((secretId) => login(h, roleId, secretId))).then(tally)

/** Keys of secret IDs and accessors left in storage. */
async function secretKeys(h: AuthHarness): Promise<number> {
  let count = 0
  for (const dir of await h.storage.list('secret_id/'))
    count += (await h.storage.list(`secret_id/${dir}`)).length
  return count + (await h.storage.list('accessor/')).length
}

/** A promise with its resolve function. */
function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((res) => {
    resolve = res
  })
  return { promise, resolve }
}

/** Holds the first storage call matching `match` (once armed) until released. */
function holdFirst(inner: Storage, match: (op: 'get' | 'put', key: string) => boolean) {
  const reached = deferred()
  const release = deferred()
  let armed = false
  let used = false
  const hold = async (op: 'get' | 'put', key: string) => {
    if (armed && !used && match(op, key)) {
      used = true
      reached.resolve()
      await release.promise
    }
  }
  const storage: Storage = {
    get: async (key) => {
      await hold('get', key)
      return inner.get(key)
    },
    list: (prefix) => inner.list(prefix),
    delete: (key) => inner.delete(key),
    batch: (ops) => inner.batch(ops),
    put: async (key, value) => {
      await hold('put', key)
      return inner.put(key, value)
    },
  }
  return {
    storage,
    reached: reached.promise,
    release: release.resolve,
    arm: () => {
      armed = true
    },
  }
}

/** A login spending a use writes the decremented secret ID with a single-key put. */
const usePut = (op: 'get' | 'put', key: string) => op === 'put' && key.startsWith('secret_id/')

/** A harness whose storage holds the first call matching `match` once armed. */
async function makeHeld(match: (op: 'get' | 'put', key: string) => boolean) {
  let held: ReturnType<typeof holdFirst> | undefined
  const h = await make((storage) => {
    held = holdFirst(storage, match)
    return held.storage
  })
  return { h, hold: held! }
}

describe('approle races (SQLite)', () => {
  it('locks a role ID after lockout_threshold of 40 concurrent wrong secret IDs; the right one sent last is refused', async () => {
    const h = await make()
    const { roleId, secretId } = await setup(h)
    const guesses = [...Array.from({ length: 39 }, (_, i) => `wrong-${i}`), secretId]
    assert.deepEqual(await burst(h, roleId, guesses), { ok: 0, wrong: 5, locked: 35, other: 0 })
    assert.deepEqual(await burst(h, roleId, [secretId]), { ok: 0, wrong: 0, locked: 1, other: 0 })
  })

  for (const uses of [1, 3]) {
    it(`redeems a secret ID with num_uses ${uses} exactly ${uses} times among 40 concurrent logins, then deletes it`, async () => {
      const h = await make()
      // Lockout off, so every one of the 40 logins really reaches the secret ID.
      h.lockout.disable = true
      const { roleId, secretId } = await setup(h, { num_uses: uses })
      assert.deepEqual(await burst(h, roleId, Array(40).fill(secretId)), {
        ok: uses,
        wrong: 40 - uses,
        locked: 0,
        other: 0,
      })
      assert.equal(await secretKeys(h), 0, 'the used-up secret ID and its accessor are gone')
    })
  }

  it('redeems a limited secret ID exactly as often as allowed with lockout on (the shared role ID is not a bottleneck to correctness)', async () => {
    const h = await make()
    const { roleId, secretId } = await setup(h, { num_uses: 3 })
    const answers = await burst(h, roleId, Array(20).fill(secretId))
    assert.equal(answers.ok, 3)
    assert.equal(answers.other, 0)
  })

  it('destroying by accessor during 20 concurrent logins leaves nothing behind and never over-spends', async () => {
    const h = await make()
    h.lockout.disable = true
    const { roleId, secretId, accessor } = await setup(h, { num_uses: 3 })
    const logins = Array.from({ length: 20 }, () => login(h, roleId, secretId))
    const destroyed = h.call('update', 'role/app/secret-id-accessor/destroy', {
      secret_id_accessor: accessor,
    })
    const answers = tally(await Promise.allSettled(logins))
    await destroyed
    assert.ok(answers.ok <= 3, `at most 3 logins, got ${answers.ok}`)
    assert.equal(answers.other, 0)
    assert.equal(await secretKeys(h), 0, 'no decrement written back after the destroy')
    assert.deepEqual(await burst(h, roleId, [secretId]), { ok: 0, wrong: 1, locked: 0, other: 0 })
  })

  it('spends uses under a lock per secret ID: a login with another secret ID is not held behind it', async () => {
    const { h, hold } = await makeHeld(usePut)
    const a = await setup(h, { num_uses: 2 })
    const b = (await h.call('update', 'role/app/secret-id', { num_uses: 2 }))?.data?.['secret_id'] as string
    hold.arm()
    const first = login(h, a.roleId, a.secretId)
    await hold.reached
    assert.ok((await login(h, a.roleId, b))?.auth, "B's login finishes while A's use is still being written")
    hold.release()
    assert.ok((await first)?.auth)
  })

  it('a role delete racing a login does not let the spent secret ID come back for a role recreated with that name', async () => {
    const { h, hold } = await makeHeld(usePut)
    h.lockout.disable = true
    const { roleId, secretId } = await setup(h, { num_uses: 3 })
    hold.arm()
    const first = login(h, roleId, secretId)
    await hold.reached
    const deleted = h.call('delete', 'role/app')
    // Let the delete run as far as it can while the login's write is held (no wall-clock wait: event-loop turns).
    let deleteDone = false
    void deleted.then(() => {
      deleteDone = true
    })
    for (let i = 0; i < 50 && !deleteDone; i++) await new Promise((resolve) => setImmediate(resolve))
    hold.release()
    await Promise.allSettled([first, deleted])
    await h.call('create', 'role/app', { role_id: roleId })
    assert.deepEqual(await burst(h, roleId, [secretId]), { ok: 0, wrong: 1, locked: 0, other: 0 })
    assert.equal(await secretKeys(h), 0, 'nothing of the old secret ID is left')
  })

  it('secret IDs issued while the role is deleted do not survive into a role recreated with that name', async () => {
    const h = await make()
    h.lockout.disable = true
    const { roleId } = await setup(h)
    const issues = Array.from({ length: 20 }, () => h.call('update', 'role/app/secret-id', {}))
    const deleted = h.call('delete', 'role/app')
    const issued = (await Promise.allSettled(issues))
      .filter((r) => r.status === 'fulfilled')
      .map((r) => (r as PromiseFulfilledResult<{ data: { secret_id: string } }>).value.data.secret_id)
    await deleted
    await h.call('create', 'role/app', { role_id: roleId })
    assert.deepEqual(await burst(h, roleId, issued), { ok: 0, wrong: issued.length, locked: 0, other: 0 })
    assert.equal(await secretKeys(h), 0, `no orphan of ${issued.length} issued secret IDs`)
  })

  it('a login that reads the role after its role ID changed is refused with the old role ID', async () => {
    const { h, hold } = await makeHeld((op, key) => op === 'get' && key === 'role/app')
    h.lockout.disable = true
    await h.call('create', 'role/app', { bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.0/8' })
    const oldRoleId = (await h.call('read', 'role/app/role-id'))?.data?.['role_id'] as string
    hold.arm()
    // The login has read the role_id index (old ID -> app) and is about to read the role.
    const stale = h.call('update', 'login', { role_id: oldRoleId })
    await hold.reached
    await h.call('update', 'role/app/role-id', { role_id: 'new-role-id' })
    hold.release()
    assert.deepEqual(tally(await Promise.allSettled([stale])), { ok: 0, wrong: 1, locked: 0, other: 0 })
  })

  it('of roles created or changed at once to one role_id, exactly one gets it', async () => {
    const h = await make()
    const names = Array.from({ length: 8 }, (_, i) => `r${i}`)
    const writes = [
      ...names.slice(0, 4).map((name) => h.call('create', `role/${name}`, { role_id: 'shared-id' })),
      ...names.slice(4).map(async (name) => {
        await h.call('create', `role/${name}`, {})
        return h.call('update', `role/${name}/role-id`, { role_id: 'shared-id' })
      }),
    ]
    const answers = await Promise.allSettled(writes)
    assert.equal(answers.filter((a) => a.status === 'fulfilled').length, 1, JSON.stringify(answers))
    for (const answer of answers)
      if (answer.status === 'rejected') assert.equal(answer.reason.message, 'role_id already in use')
    const holders: string[] = []
    for (const name of names) {
      const read = await h.call('read', `role/${name}/role-id`)
      if (read?.data?.['role_id'] === 'shared-id') holders.push(name)
    }
    assert.equal(holders.length, 1, `roles holding the role_id: ${holders.join(', ')}`)
  })
})
