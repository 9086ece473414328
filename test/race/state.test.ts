// Race suite, stored state: KV check-and-set, mount enables, policy changes and lease renew-versus-revoke on a real server process.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { mariaDbEngine } from '../helpers/mariadb-engine.ts'
import { burst, type RaceServer, startRaceServer } from '../helpers/race.ts'
import { MARIADB, skipUnless } from '../helpers/requirements.ts'

const ROUNDS = 8
const BURST = 20

describe('race: stored state', () => {
  let server: RaceServer

  before(async () => {
    server = await startRaceServer()
  })
  after(async () => {
    await server?.close()
  })

  it(`KV v2: of ${BURST} writes with one cas value, exactly one lands`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      for (const cas of [0, 1]) {
        const replies = await burst(
          server.address,
          Array.from({ length: BURST }, (_, i) => ({
            method: 'POST',
            path: `secret/data/cas-${round}`,
            token: server.rootToken,
            body: { options: { cas }, data: { writer: i } },
          })),
        )
        const landed = replies.filter((r) => r.status === 200).length
        assert.equal(landed, 1, `round ${round}, cas=${cas}: ${replies.map((r) => r.status).join(',')}`)
        assert.ok(replies.every((r) => r.status === 200 || r.status === 400))
      }
      const meta = await server.call('GET', `secret/metadata/cas-${round}`)
      assert.equal(meta.body.data.current_version, 2)
    }
  })

  it(`of ${BURST} enables of one mount path, exactly one succeeds and one mount is left`, async () => {
    for (const [table, types] of [
      ['auth', ['userpass', 'approle']],
      ['mounts', ['kv', 'transit']],
    ] as const) {
      const replies = await server.burst(
        Array.from({ length: BURST }, (_, i) => ({
          method: 'POST',
          path: `sys/${table}/contested`,
          body: { type: types[i % 2] },
        })),
      )
      const enabled = replies.filter((r) => r.status === 204)
      assert.equal(enabled.length, 1, `${table}: ${replies.map((r) => r.status).join(',')}`)
      for (const r of replies.filter((r) => r.status !== 204)) {
        assert.equal(r.status, 400)
        assert.match(r.body.errors[0], /path is already in use at /)
      }
      const listed = await server.call('GET', `sys/${table}`)
      assert.ok(listed.body.data['contested/'], JSON.stringify(Object.keys(listed.body.data)))
      // Disabled once, the path is free: no second entry for it survives in the table.
      assert.equal((await server.call('DELETE', `sys/${table}/contested`)).status, 204)
      assert.equal((await server.call('GET', `sys/${table}`)).body.data['contested/'], undefined)
    }
  })

  it('a policy change is enforced on every request that starts after it returns', async () => {
    await server.call('POST', 'secret/data/guarded', { body: { data: { v: 1 } } })
    for (let round = 0; round < ROUNDS; round++) {
      const grant = await server.call('PUT', 'sys/policies/acl/reader', {
        body: { policy: 'path "secret/data/guarded" { capabilities = ["read"] }' },
      })
      assert.equal(grant.status, 204)
      const token = (await server.call('POST', 'auth/token/create', { body: { policies: ['reader'] } })).body
        .auth.client_token
      const reads = Array.from({ length: BURST }, () => ({
        method: 'GET',
        path: 'secret/data/guarded',
        token,
      }))
      const replies = await burst(server.address, [
        {
          method: 'PUT',
          path: 'sys/policies/acl/reader',
          token: server.rootToken,
          body: { policy: 'path "x" {}' },
        },
        ...reads,
      ])
      assert.equal(replies[0]!.status, 204)
      assert.ok(replies.every((r) => r.status < 500))
      const after = await burst(server.address, reads)
      assert.ok(
        after.every((r) => r.status === 403),
        `round ${round}: the removed grant still works`,
      )
    }
  })

  it('leases: a renewal racing a revocation never brings the lease back', async (t) => {
    if (await skipUnless(t, MARIADB)) return
    await mariaDbEngine(server.call, { role: 'race' })
    for (let round = 0; round < ROUNDS; round++) {
      const lease = (await server.call('GET', 'database/creds/race')).body.lease_id as string
      const renew = {
        method: 'PUT',
        path: 'sys/leases/renew',
        token: server.rootToken,
        body: { lease_id: lease },
      }
      // Renewals on both sides of the revocation, so some read the lease before its delete commits.
      const revoke = {
        method: 'PUT',
        path: 'sys/leases/revoke',
        token: server.rootToken,
        body: { lease_id: lease },
      }
      const replies = await burst(server.address, [...Array(6).fill(renew), revoke, ...Array(6).fill(renew)])
      assert.equal(replies[6]!.status, 204, JSON.stringify(replies[6]!.body))
      assert.ok(replies.every((r) => r.status < 500))
      const lookup = await server.call('PUT', 'sys/leases/lookup', { body: { lease_id: lease } })
      assert.equal(lookup.status, 400, `round ${round}: the revoked lease is back`)
      const late = await server.call('PUT', 'sys/leases/renew', { body: { lease_id: lease } })
      assert.equal(late.status, 400)
    }
  })
})
