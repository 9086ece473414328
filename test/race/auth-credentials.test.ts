// Race suite, credentials taken away while logins race: a userpass password change or user delete, an AppRole
// secret ID destroyed (by itself or by accessor) or its role deleted; once the change has answered, no login with
// the old credentials succeeds.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type RaceReply, type RaceRequest, type RaceServer, startRaceServer } from '../helpers/race.ts'

const ROUNDS = 5
const BURST = 40
// Every userpass login costs an scrypt on the server's thread pool: fewer of them, or a round takes many seconds.
const USERPASS_ROUNDS = 3
const USERPASS_BURST = 16

describe('race: credentials changed under logins', () => {
  let server: RaceServer

  before(async () => {
    server = await startRaceServer()
    for (const type of ['userpass', 'approle']) {
      await ok('POST', `sys/auth/${type}`, { type })
      // Refused logins are wrong credentials to lockout; a lock would refuse them too and hide what is tested.
      await ok('POST', `sys/auth/${type}/tune`, { user_lockout_config: { lockout_disable: true } })
    }
  })
  after(async () => {
    await server?.close()
  })

  async function ok(method: string, path: string, body?: unknown): Promise<RaceReply> {
    const reply = await server.call(method, path, body === undefined ? {} : { body })
    assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
    return reply
  }

  /** `change` in the middle of BURST logins; the change must succeed, the logins may go either way but never 5xx. */
  async function race(login: RaceRequest, change: RaceRequest, round: number, size = BURST): Promise<void> {
    const half = size / 2
    const replies = await server.burst([...Array(half).fill(login), change, ...Array(half).fill(login)])
    assert.ok(replies[half]!.status < 300, `round ${round}: ${JSON.stringify(replies[half])}`)
    for (const r of replies)
      assert.ok(r.status < 500, `round ${round}: ${r.status} ${JSON.stringify(r.body)}`)
  }

  async function noneLogsIn(login: RaceRequest, round: number, count = 10): Promise<void> {
    const afterwards = await server.burst(Array(count).fill(login))
    for (const r of afterwards)
      assert.ok(r.status === 400 || r.status === 403, `round ${round}: ${r.status} ${JSON.stringify(r.body)}`)
  }

  const userLogin = (user: string, password: string): RaceRequest => ({
    method: 'POST',
    path: `auth/userpass/login/${user}`,
    token: '',
    body: { password },
  })

  for (const via of ['users/:name/password', 'users/:name'] as const) {
    it(`userpass: after a password change (${via}) answers, the old password logs in nowhere`, async () => {
      for (let round = 0; round < USERPASS_ROUNDS; round++) {
        const user = `pw-${via.length}-${round}`
        await ok('POST', `auth/userpass/users/${user}`, {
          password: 'old-password',
          token_policies: 'default',
        })
        const path =
          via === 'users/:name' ? `auth/userpass/users/${user}` : `auth/userpass/users/${user}/password`
        await race(
          userLogin(user, 'old-password'),
          { method: 'POST', path, body: { password: 'new-password' } },
          round,
          USERPASS_BURST,
        )
        await noneLogsIn(userLogin(user, 'old-password'), round, 4)
        const fresh = await server.call('POST', `auth/userpass/login/${user}`, {
          token: '',
          body: { password: 'new-password' },
        })
        assert.equal(fresh.status, 200, `round ${round}: ${JSON.stringify(fresh.body)}`)
      }
    })
  }

  it('userpass: after a user delete answers, the user logs in nowhere', async () => {
    for (let round = 0; round < USERPASS_ROUNDS; round++) {
      const user = `gone-${round}`
      await ok('POST', `auth/userpass/users/${user}`, { password: 'pw', token_policies: 'default' })
      await race(
        userLogin(user, 'pw'),
        { method: 'DELETE', path: `auth/userpass/users/${user}` },
        round,
        USERPASS_BURST,
      )
      await noneLogsIn(userLogin(user, 'pw'), round, 4)
    }
  })

  async function approleLogin(role: string, uses: number) {
    await ok('POST', `auth/approle/role/${role}`, { token_policies: 'default', secret_id_num_uses: uses })
    const roleId = (await ok('GET', `auth/approle/role/${role}/role-id`)).body.data.role_id
    const issued = (await ok('POST', `auth/approle/role/${role}/secret-id`, {})).body.data
    const login: RaceRequest = {
      method: 'POST',
      path: 'auth/approle/login',
      token: '',
      body: { role_id: roleId, secret_id: issued.secret_id },
    }
    return { login, secretId: issued.secret_id as string, accessor: issued.secret_id_accessor as string }
  }

  for (const uses of [0, 1000])
    for (const by of ['secret-id', 'secret-id-accessor', 'role'] as const) {
      it(`approle: after destroying by ${by} answers (secret_id_num_uses=${uses}), the secret ID logs in nowhere`, async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const role = `r-${by}-${uses}-${round}`
          const { login, secretId, accessor } = await approleLogin(role, uses)
          assert.equal((await server.call(login.method, login.path, login)).status, 200)
          const change: RaceRequest =
            by === 'role'
              ? { method: 'DELETE', path: `auth/approle/role/${role}` }
              : by === 'secret-id'
                ? {
                    method: 'POST',
                    path: `auth/approle/role/${role}/secret-id/destroy`,
                    body: { secret_id: secretId },
                  }
                : {
                    method: 'POST',
                    path: `auth/approle/role/${role}/secret-id-accessor/destroy`,
                    body: { secret_id_accessor: accessor },
                  }
          await race(login, change, round)
          await noneLogsIn(login, round)
          if (by !== 'role') {
            const lookup = await server.call('POST', `auth/approle/role/${role}/secret-id/lookup`, {
              body: { secret_id: secretId },
            })
            assert.ok(lookup.status === 204 || lookup.status === 404, `round ${round}: ${lookup.status}`)
          }
        }
      })
    }
})
