// Race suite, auth methods: lockout, AppRole secret-ID use limits and role IDs, and disabling a method, on a real server process.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { burst, type RaceServer, startRaceServer } from '../helpers/race.ts'

const ROUNDS = 5
const BURST = 40

describe('race: auth methods', () => {
  let server: RaceServer

  before(async () => {
    server = await startRaceServer()
  })
  after(async () => {
    await server?.close()
  })

  async function ok(method: string, path: string, body?: unknown): Promise<void> {
    const reply = await server.call(method, path, body === undefined ? {} : { body })
    assert.ok(
      reply.status === 200 || reply.status === 204,
      `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`,
    )
  }

  it('userpass: at most lockout_threshold wrong passwords are ever checked, however many arrive at once', async () => {
    await ok('POST', 'sys/auth/userpass-lock', { type: 'userpass' })
    await ok('POST', 'sys/auth/userpass-lock/tune', {
      user_lockout_config: {
        lockout_threshold: 5,
        lockout_duration: '1h',
        lockout_counter_reset_duration: '1h',
      },
    })
    for (let round = 0; round < ROUNDS; round++) {
      const user = `user${round}`
      await ok('POST', `auth/userpass-lock/users/${user}`, {
        password: 'right-password',
        policies: 'default',
      })
      const guesses = Array.from({ length: BURST }, (_, i) => ({
        method: 'POST',
        path: `auth/userpass-lock/login/${user}`,
        body: { password: i === BURST - 1 ? 'right-password' : `wrong-${i}` },
      }))
      const replies = await burst(server.address, guesses)
      const checkedWrong = replies
        .slice(0, -1)
        .filter((r) => r.status === 400 && /invalid username or password/.test(JSON.stringify(r.body))).length
      assert.ok(checkedWrong <= 5, `round ${round}: ${checkedWrong} wrong passwords were checked`)
      assert.ok(replies.every((r) => r.status < 500))
      // Locked now: even the right password is refused.
      const after = await server.call('POST', `auth/userpass-lock/login/${user}`, {
        body: { password: 'right-password' },
      })
      if (checkedWrong === 5) assert.notEqual(after.status, 200, `round ${round}: a locked user logged in`)
    }
  })

  for (const uses of [1, 3]) {
    it(`approle: a secret ID with secret_id_num_uses=${uses} logs in exactly ${uses} times`, async () => {
      await server.call('POST', 'sys/auth/approle-uses', { body: { type: 'approle' } })
      // Logins past a secret ID's last use are wrong credentials; lockout would count them and lock the role ID,
      // hiding what this test counts.
      await ok('POST', 'sys/auth/approle-uses/tune', { user_lockout_config: { lockout_disable: true } })
      await ok('POST', `auth/approle-uses/role/r${uses}`, {
        secret_id_num_uses: uses,
        token_policies: 'default',
      })
      const roleId = (await server.call('GET', `auth/approle-uses/role/r${uses}/role-id`)).body.data.role_id
      for (let round = 0; round < ROUNDS; round++) {
        const secretId = (
          await server.call('POST', `auth/approle-uses/role/r${uses}/secret-id`, { body: {} })
        ).body.data.secret_id
        const replies = await burst(
          server.address,
          Array.from({ length: 20 }, () => ({
            method: 'POST',
            path: 'auth/approle-uses/login',
            body: { role_id: roleId, secret_id: secretId },
          })),
        )
        const logins = replies.filter((r) => r.status === 200).length
        assert.equal(logins, uses, `round ${round}: ${replies.map((r) => r.status).join(',')}`)
        assert.ok(replies.every((r) => r.status < 500))
      }
    })
  }

  it('approle: of many roles given one role_id at once, exactly one gets it', async () => {
    await ok('POST', 'sys/auth/approle-ids', { type: 'approle' })
    for (let round = 0; round < ROUNDS; round++) {
      const roles = Array.from({ length: 16 }, (_, i) => `r${round}-${i}`)
      for (const role of roles)
        await ok('POST', `auth/approle-ids/role/${role}`, { token_policies: 'default' })
      const roleId = `shared-role-id-${round}`
      const replies = await burst(
        server.address,
        roles.map((role) => ({
          method: 'POST',
          path: `auth/approle-ids/role/${role}/role-id`,
          token: server.rootToken,
          body: { role_id: roleId },
        })),
      )
      const given = replies.filter((r) => r.status === 204).length
      assert.equal(given, 1, `round ${round}: ${replies.map((r) => r.status).join(',')}`)
      assert.ok(replies.every((r) => r.status === 204 || r.status === 400))
      let owners = 0
      for (const role of roles) {
        const read = await server.call('GET', `auth/approle-ids/role/${role}/role-id`)
        if (read.body.data.role_id === roleId) owners++
      }
      assert.equal(owners, 1, `round ${round}: ${owners} roles hold one role_id`)
    }
  })

  it('disabling an auth method while logins race leaves none of their tokens alive', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const mount = `userpass-gone-${round}`
      await ok('POST', `sys/auth/${mount}`, { type: 'userpass' })
      await ok('POST', `auth/${mount}/users/alice`, { password: 'pw', policies: 'default' })
      const login = (count: number) =>
        Array.from({ length: count }, () => ({
          method: 'POST',
          path: `auth/${mount}/login/alice`,
          token: '',
          body: { password: 'pw' },
        }))
      const replies = await burst(server.address, [
        ...login(10),
        { method: 'DELETE', path: `sys/auth/${mount}`, token: server.rootToken },
        ...login(10),
      ])
      assert.equal(replies[10]!.status, 204, JSON.stringify(replies[10]!.body))
      for (const reply of replies.filter((_, i) => i !== 10)) {
        assert.ok(reply.status < 500, `round ${round}: ${reply.status}`)
        if (reply.status !== 200) continue
        const check = await server.call('GET', 'auth/token/lookup-self', {
          token: reply.body.auth.client_token,
        })
        assert.equal(check.status, 403, `round ${round}: a token from a disabled auth method still works`)
      }
    }
  })

  it('approle: once a lower token_max_ttl answers, no renewal grants past it, however many race the change', async () => {
    await ok('POST', 'sys/auth/approle-renew', { type: 'approle' })
    for (let round = 0; round < ROUNDS; round++) {
      const role = `auth/approle-renew/role/r${round}`
      await ok('POST', role, { token_policies: 'default', token_ttl: '1h', token_max_ttl: '24h' })
      const roleId = (await server.call('GET', `${role}/role-id`)).body.data.role_id
      const secretId = (await server.call('POST', `${role}/secret-id`)).body.data.secret_id
      const login = await server.call('POST', 'auth/approle-renew/login', {
        token: '',
        body: { role_id: roleId, secret_id: secretId },
      })
      assert.equal(login.status, 200, JSON.stringify(login.body))
      const token = login.body.auth.client_token as string
      const renewals = (count: number) =>
        Array.from({ length: count }, () => ({
          method: 'POST',
          path: 'auth/token/renew-self',
          token,
          body: { increment: '10h' },
        }))
      const half = BURST / 2
      const replies = await burst(server.address, [
        ...renewals(half),
        {
          method: 'POST',
          path: role,
          token: server.rootToken,
          body: { token_policies: 'default', token_ttl: '1m', token_max_ttl: '2m' },
        },
        ...renewals(half),
      ])
      assert.equal(replies[half]!.status, 204, JSON.stringify(replies[half]!.body))
      for (const reply of replies.filter((_, i) => i !== half)) {
        assert.ok(reply.status === 200 || reply.status === 400, `round ${round}: ${reply.status}`)
        if (reply.status === 200) assert.ok(reply.body.auth.lease_duration <= 10 * 3600)
      }
      // Every renewal that starts after the change answered is held to two minutes from the login.
      const after = await burst(server.address, renewals(BURST))
      for (const reply of after) {
        assert.equal(reply.status, 200, `round ${round}: ${JSON.stringify(reply.body)}`)
        assert.ok(
          reply.body.auth.lease_duration <= 120,
          `round ${round}: a renewal after the change granted ${reply.body.auth.lease_duration}s`,
        )
      }
    }
  })
})
