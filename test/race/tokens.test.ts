// Race suite, tokens: revocation, use limits, wrapping, child tokens, chosen ids and token roles against a real server process on SQLite.
// Every burst opens one socket per request and writes them all before reading any answer; nothing is timed,
// the suite counts successes.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { burst, type RaceReply, type RaceServer, startRaceServer } from '../helpers/race.ts'

/** Each scenario runs this many rounds; the bugs this suite guards against showed in 8 of 8 trials. */
const ROUNDS = 8
const BURST = 20

describe('race: tokens', () => {
  let server: RaceServer
  const revoked: string[] = []

  before(async () => {
    server = await startRaceServer()
  })
  after(async () => {
    await server?.close()
  })

  async function newToken(body: Record<string, unknown> = {}): Promise<{ token: string; accessor: string }> {
    const reply = await server.call('POST', 'auth/token/create', { body: { policies: ['default'], ...body } })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return { token: reply.body.auth.client_token, accessor: reply.body.auth.accessor }
  }

  async function assertDead(token: string, what: string): Promise<void> {
    for (const [method, path] of [
      ['GET', 'auth/token/lookup-self'],
      ['POST', 'auth/token/renew-self'],
      ['POST', 'auth/token/create'],
    ] as const) {
      const reply = await server.call(method, path, { token, body: method === 'POST' ? {} : undefined })
      assert.equal(reply.status, 403, `${what}: ${method} ${path} answered ${reply.status}`)
    }
  }

  for (const how of ['revoke', 'revoke-accessor', 'revoke-self'] as const) {
    it(`${how} racing a use of the token leaves it dead, in memory and in storage`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { token, accessor } = await newToken()
        const revoke =
          how === 'revoke'
            ? { method: 'POST', path: 'auth/token/revoke', token: server.rootToken, body: { token } }
            : how === 'revoke-accessor'
              ? {
                  method: 'POST',
                  path: 'auth/token/revoke-accessor',
                  token: server.rootToken,
                  body: { accessor },
                }
              : { method: 'POST', path: 'auth/token/revoke-self', token, body: {} }
        const replies = await burst(server.address, [
          revoke,
          { method: 'GET', path: 'auth/token/lookup-self', token },
          { method: 'POST', path: 'auth/token/renew-self', token, body: {} },
          { method: 'GET', path: 'auth/token/lookup-self', token },
        ])
        assert.equal(replies[0]!.status, 204, JSON.stringify(replies[0]!.body))
        await assertDead(token, `${how}, round ${round}`)
        revoked.push(token)
      }
    })
  }

  for (const uses of [1, 3]) {
    it(`a token with num_uses=${uses} serves exactly ${uses} of ${BURST} simultaneous requests`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { token } = await newToken({ num_uses: uses })
        const replies = await burst(
          server.address,
          Array.from({ length: BURST }, () => ({ method: 'GET', path: 'auth/token/lookup-self', token })),
        )
        const served = replies.filter((r) => r.status === 200).length
        assert.equal(served, uses, `round ${round}: ${replies.map((r) => r.status).join(',')}`)
        assert.ok(replies.every((r) => r.status === 200 || r.status === 403))
        await assertDead(token, `num_uses=${uses}, round ${round}`)
        revoked.push(token)
      }
    })
  }

  it(`requests a token's policies refuse spend its uses too, however many arrive at once`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // Only refusals: every one is counted (as Vault counts a use before the policy check), so none of the
      // three uses may be left once they are answered.
      const refusedOnly = (await newToken({ num_uses: 3 })).token
      const refusals = await burst(
        server.address,
        Array.from({ length: BURST }, () => ({
          method: 'GET',
          path: 'secret/data/refused',
          token: refusedOnly,
        })),
      )
      assert.ok(
        refusals.every((r) => r.status === 403),
        refusals.map((r) => r.status).join(','),
      )
      await assertDead(refusedOnly, `refusals only, round ${round}`)
      revoked.push(refusedOnly)
      // Refusals and allowed requests together: all of them draw on the same three uses.
      const mixed = (await newToken({ num_uses: 3 })).token
      const replies = await burst(
        server.address,
        Array.from({ length: BURST }, (_, i) => ({
          method: 'GET',
          path: i % 2 === 0 ? 'secret/data/refused' : 'auth/token/lookup-self',
          token: mixed,
        })),
      )
      const served = replies.filter((r) => r.status === 200).length
      assert.ok(served <= 3, `round ${round}: ${served} served: ${replies.map((r) => r.status).join(',')}`)
      await assertDead(mixed, `mixed, round ${round}`)
      revoked.push(mixed)
    }
  })

  for (const where of ['header', 'body'] as const) {
    it(`a wrapping token presented in the ${where} by ${BURST} requests at once is unwrapped once`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const wrapped = await server.call('POST', 'sys/wrapping/wrap', {
          body: { secret: `value-${round}` },
          headers: { 'x-vault-wrap-ttl': '300' },
        })
        assert.equal(wrapped.status, 200, JSON.stringify(wrapped.body))
        const wrapToken: string = wrapped.body.wrap_info.token
        const request =
          where === 'header'
            ? { method: 'POST', path: 'sys/wrapping/unwrap', token: wrapToken, body: {} }
            : {
                method: 'POST',
                path: 'sys/wrapping/unwrap',
                token: server.rootToken,
                body: { token: wrapToken },
              }
        const replies = await burst(
          server.address,
          Array.from({ length: BURST }, () => request),
        )
        const unwrapped = replies.filter((r) => r.status === 200)
        assert.equal(unwrapped.length, 1, `round ${round}: ${replies.map((r) => r.status).join(',')}`)
        assert.equal(unwrapped[0]!.body.data.secret, `value-${round}`)
        assert.ok(replies.every((r) => r.status === 200 || r.status === 400 || r.status === 403))
      }
    })
  }

  it(`a wrapping token raced by cubbyhole/response reads, unwraps and rewraps gives its response exactly once`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const wrapped = await server.call('POST', 'sys/wrapping/wrap', {
        body: { secret: `mixed-${round}` },
        headers: { 'x-vault-wrap-ttl': '300' },
      })
      assert.equal(wrapped.status, 200, JSON.stringify(wrapped.body))
      const wrapToken: string = wrapped.body.wrap_info.token
      const kinds = [
        { method: 'GET', path: 'cubbyhole/response', token: wrapToken },
        { method: 'POST', path: 'sys/wrapping/unwrap', token: wrapToken, body: {} },
        { method: 'POST', path: 'sys/wrapping/unwrap', token: server.rootToken, body: { token: wrapToken } },
        { method: 'POST', path: 'sys/wrapping/rewrap', token: server.rootToken, body: { token: wrapToken } },
      ]
      const replies = await burst(
        server.address,
        Array.from({ length: BURST }, (_, i) => kinds[i % kinds.length]!),
      )
      const won = replies.filter((r) => r.status === 200)
      assert.equal(won.length, 1, `round ${round}: ${replies.map((r) => r.status).join(',')}`)
      assert.ok(replies.every((r) => r.status === 200 || r.status === 400 || r.status === 403))
      // Whichever way won, the response is there once and the wrapping token is spent for every other way.
      const body = won[0]!.body
      const secret = body.wrap_info
        ? (await server.call('POST', 'sys/wrapping/unwrap', { token: body.wrap_info.token, body: {} })).body
            .data.secret
        : typeof body.data?.response === 'string'
          ? JSON.parse(body.data.response).data.secret
          : body.data.secret
      assert.equal(secret, `mixed-${round}`)
      const again = await server.call('POST', 'sys/wrapping/unwrap', { body: { token: wrapToken } })
      assert.equal(again.status, 400)
    }
  })

  it('children created while their parent is being revoked die with it', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { token: parent } = await newToken({ policies: ['root'] })
      const replies = await burst(server.address, [
        { method: 'POST', path: 'auth/token/revoke', token: server.rootToken, body: { token: parent } },
        ...Array.from({ length: 12 }, () => ({
          method: 'POST',
          path: 'auth/token/create',
          token: parent,
          body: { policies: ['default'] },
        })),
      ])
      assert.equal(replies[0]!.status, 204)
      for (const reply of replies.slice(1)) {
        assert.ok(reply.status === 200 || reply.status === 403, `round ${round}: ${reply.status}`)
        if (reply.status === 200) await assertDead(reply.body.auth.client_token, `child, round ${round}`)
      }
    }
  })

  it(`of ${BURST} creates with one chosen id, exactly one makes the token`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const id = `chosen-token-id-${round}`
      const replies = await burst(
        server.address,
        Array.from({ length: BURST }, (_, i) => ({
          method: 'POST',
          path: 'auth/token/create',
          token: server.rootToken,
          body: { id, policies: [`creator-${i}`] },
        })),
      )
      const made = replies.flatMap((r, i) => (r.status === 200 ? [i] : []))
      assert.equal(made.length, 1, `round ${round}: ${replies.map((r) => r.status).join(',')}`)
      assert.ok(replies.every((r) => r.status === 200 || r.status === 400))
      // The one caller told it made the token holds the token it was told about.
      const self = await server.call('GET', 'auth/token/lookup-self', { token: id })
      assert.equal(self.status, 200)
      assert.ok(
        self.body.data.policies.includes(`creator-${made[0]}`),
        JSON.stringify(self.body.data.policies),
      )
      assert.equal(self.body.data.accessor, replies[made[0]!]!.body.auth.accessor)
      await server.call('POST', 'auth/token/revoke', { body: { token: id } })
      revoked.push(id)
    }
  })

  it('a token role update racing updates of its other fields keeps its narrowed allowed_policies', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const role = `narrowed-${round}`
      const made = await server.call('POST', `auth/token/roles/${role}`, {
        body: { allowed_policies: ['wide', 'narrow'] },
      })
      assert.equal(made.status, 204, JSON.stringify(made.body))
      // Each of these merges one field into the stored role; none names allowed_policies.
      const other = (i: number) => ({
        method: 'POST',
        path: `auth/token/roles/${role}`,
        token: server.rootToken,
        body: i % 2 ? { renewable: true } : { orphan: false },
      })
      const replies = await burst(server.address, [
        ...Array.from({ length: 8 }, (_, i) => other(i)),
        {
          method: 'POST',
          path: `auth/token/roles/${role}`,
          token: server.rootToken,
          body: { allowed_policies: ['narrow'] },
        },
        ...Array.from({ length: 8 }, (_, i) => other(i)),
      ])
      assert.ok(
        replies.every((r) => r.status === 204),
        replies.map((r) => r.status).join(','),
      )
      const stored = await server.call('GET', `auth/token/roles/${role}`)
      assert.deepEqual(
        stored.body.data.allowed_policies,
        ['narrow'],
        `round ${round}: the narrowing was lost`,
      )
      const wide = await server.call('POST', `auth/token/create/${role}`, { body: { policies: ['wide'] } })
      assert.equal(wide.status, 400, `round ${round}: the role still grants the dropped policy`)
    }
  })

  it('generate-root completes once when the last share arrives on many sockets at once', async () => {
    const { unseal_key: key } = JSON.parse(readFileSync(join(server.dataDir, 'dev-keys.json'), 'utf8'))
    for (let round = 0; round < 3; round++) {
      const started = await server.call('PUT', 'sys/generate-root/attempt', { token: '', body: {} })
      assert.equal(started.status, 200, JSON.stringify(started.body))
      const replies = await burst(
        server.address,
        Array.from({ length: BURST }, () => ({
          method: 'PUT',
          path: 'sys/generate-root/update',
          body: { key, nonce: started.body.nonce },
        })),
      )
      const completed = replies.filter((r) => r.status === 200 && r.body.complete === true)
      assert.equal(completed.length, 1, `round ${round}: ${replies.map((r) => r.status).join(',')}`)
      assert.ok(
        replies.every((r) => r.status === 200 || r.status === 400),
        'refusals are 400s',
      )
      const status = await server.call('GET', 'sys/generate-root/attempt', { token: '' })
      assert.equal(status.body.started, false, 'the attempt ended with the one token it minted')
    }
  })

  it('nothing revoked above comes back after a restart', async () => {
    await server.restart()
    for (const token of revoked) {
      const reply = await server.call('GET', 'auth/token/lookup-self', { token })
      assert.equal(reply.status, 403)
    }
  })
})

describe('race: rekey', () => {
  let server: RaceServer
  /** The shares in force, as the last completed rekey handed them out. */
  let current: string[] = []

  before(async () => {
    server = await startRaceServer()
  })
  after(async () => {
    await server?.close()
  })

  /** Start a rekey to 3 shares, threshold 2. */
  async function init(): Promise<string> {
    const started = await server.call('PUT', 'sys/rekey/init', {
      body: { secret_shares: 3, secret_threshold: 2 },
    })
    assert.equal(started.status, 200, JSON.stringify(started.body))
    return started.body.nonce
  }

  it('rekey completes once when the last share arrives on many sockets at once, and the old shares stop working', async () => {
    const { unseal_key: devKey } = JSON.parse(readFileSync(join(server.dataDir, 'dev-keys.json'), 'utf8'))
    current = [Buffer.from(devKey, 'base64').toString('hex')]
    const spent: string[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const nonce = await init()
      // All but the last share of the threshold go in one at a time; the last goes in on every socket.
      const threshold = current.length === 1 ? 1 : 2
      for (const key of current.slice(0, threshold - 1)) {
        const reply = await server.call('PUT', 'sys/rekey/update', { body: { nonce, key } })
        assert.equal(reply.status, 200, JSON.stringify(reply.body))
        assert.equal(reply.body.keys, undefined)
      }
      const last = current[threshold - 1]!
      const replies = await server.burst(
        Array.from({ length: BURST }, () => ({
          method: 'PUT',
          path: 'sys/rekey/update',
          body: { key: last, nonce },
        })),
      )
      const completed = replies.filter((r) => r.status === 200 && r.body.complete === true)
      assert.equal(completed.length, 1, `round ${round}: ${replies.map((r) => r.status).join(',')}`)
      assert.ok(
        replies.every((r) => r.status === 200 || r.status === 400),
        `round ${round}: refusals are 400s: ${replies.map((r) => r.status).join(',')}`,
      )
      for (const reply of replies) {
        if (reply !== completed[0]) assert.equal(reply.body.keys, undefined, 'new shares only at completion')
      }
      const status = await server.call('GET', 'sys/rekey/init', { token: '' })
      assert.equal(
        status.body.started,
        false,
        `round ${round}: the rekey ended with the one set it handed out`,
      )
      const previous = current
      spent.push(...previous)
      current = completed[0]!.body.keys

      // The shares from before no longer rebuild the key (the 1-of-1 dev key is paired with a new share).
      const probe = await init()
      const old = previous.length >= 2 ? previous.slice(0, 2) : [previous[0]!, current[0]!]
      let verdict: RaceReply | undefined
      for (const key of old) {
        verdict = await server.call('PUT', 'sys/rekey/update', { body: { nonce: probe, key } })
        if (verdict.status !== 200) break
      }
      assert.equal(verdict?.status, 400, `round ${round}: old shares still rebuild the key`)
      assert.equal(verdict?.body.keys, undefined)
      assert.equal((await server.call('DELETE', 'sys/rekey/init')).status, 204)
    }
    // No share a rekey handed out reached the server's log (the dev banner prints the dev key, as Vault's does).
    const output = server.process.output()
    for (const key of [...spent.slice(1), ...current]) {
      assert.ok(!output.includes(key), 'a share is in the server log')
      assert.ok(!output.includes(Buffer.from(key, 'hex').toString('base64')), 'a share is in the server log')
    }
  })
  it('rekey verification completes once when the last new share arrives on many sockets at once', async () => {
    assert.equal(current.length, 3, 'the test above left a 2-of-3 set')
    for (let round = 0; round < ROUNDS; round++) {
      const started = await server.call('PUT', 'sys/rekey/init', {
        body: { secret_shares: 3, secret_threshold: 2, require_verification: true },
      })
      const nonce = started.body.nonce
      await server.call('PUT', 'sys/rekey/update', { body: { nonce, key: current[0] } })
      const handed = await server.call('PUT', 'sys/rekey/update', { body: { nonce, key: current[1] } })
      assert.equal(handed.body.verification_required, true, JSON.stringify(handed.body))
      const fresh: string[] = handed.body.keys
      const vnonce: string = handed.body.verification_nonce
      const first = await server.call('PUT', 'sys/rekey/verify', { body: { nonce: vnonce, key: fresh[0] } })
      assert.equal(first.body.progress, 1, JSON.stringify(first.body))
      const replies = await server.burst(
        Array.from({ length: BURST }, () => ({
          method: 'PUT',
          path: 'sys/rekey/verify',
          body: { key: fresh[1], nonce: vnonce },
        })),
      )
      const completed = replies.filter((r) => r.status === 200 && r.body.complete === true)
      assert.equal(completed.length, 1, `round ${round}: ${replies.map((r) => r.status).join(',')}`)
      assert.ok(
        replies.every((r) => r.status === 200 || r.status === 400),
        `round ${round}: refusals are 400s: ${replies.map((r) => r.status).join(',')}`,
      )
      // The verified set is in force, the one before it is not.
      const probe = (
        await server.call('PUT', 'sys/rekey/init', { body: { secret_shares: 3, secret_threshold: 2 } })
      ).body.nonce
      await server.call('PUT', 'sys/rekey/update', { body: { nonce: probe, key: current[1] } })
      const stale = await server.call('PUT', 'sys/rekey/update', { body: { nonce: probe, key: current[2] } })
      assert.equal(stale.status, 400, `round ${round}: the replaced shares still rebuild the key`)
      assert.equal((await server.call('DELETE', 'sys/rekey/init')).status, 204)
      current = fresh
    }
  })
})
