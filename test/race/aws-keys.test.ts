// Race suite, aws-keys: logins racing the revocation (and the rotation) of their access key on a real server process.
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import { BOTOCORE, signedLoginFor } from '../helpers/aws-signers.ts'
import { burst, type RaceReply, type RaceServer, startRaceServer } from '../helpers/race.ts'
import { describeUnless, unmet } from '../helpers/requirements.ts'

const ROUNDS = 4
const BURST = 30
const REVOKED = 'UnrecognizedClientException: The security token included in the request is invalid.'

describeUnless(await unmet(BOTOCORE), 'race: aws-keys', () => {
  let server: RaceServer

  before(async () => {
    server = await startRaceServer()
    // `coffer server -dev` mounts aws-keys at auth/aws-keys-race/ already; this test uses a mount of its own.
    assert.equal(
      (await server.call('POST', 'sys/auth/aws-keys-race', { body: { type: 'aws-keys' } })).status,
      204,
    )
    assert.equal((await server.call('POST', 'auth/aws-keys-race/role/app', { body: {} })).status, 204)
  })
  after(async () => {
    await server?.close()
  })

  async function issue(): Promise<{ id: string; secret: string }> {
    const reply = await server.call('POST', 'auth/aws-keys-race/role/app/access-key')
    assert.equal(reply.status, 200)
    return { id: reply.body.data.access_key_id, secret: reply.body.data.secret_access_key }
  }

  const signedLogin = (key: { id: string; secret: string; sessionToken?: string }) =>
    signedLoginFor(server.address, key)

  const loginRequest = (body: unknown) => ({
    method: 'POST',
    path: 'auth/aws-keys-race/login',
    token: '',
    body,
  })

  /** Every login of a burst either succeeded or was refused as a revoked key: nothing else, never a 5xx. */
  function onlyGrantedOrRevoked(replies: RaceReply[], round: number): void {
    for (const reply of replies)
      assert.ok(
        reply.status === 200 || (reply.status === 403 && reply.body.errors?.[0] === REVOKED),
        `round ${round}: ${reply.status} ${JSON.stringify(reply.body)}`,
      )
  }

  it('after DELETE access-key answers, no login with the key succeeds', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const key = await issue()
      const login = await signedLogin(key)
      const half = BURST / 2
      const requests = [
        ...Array.from({ length: half }, () => loginRequest(login)),
        { method: 'DELETE', path: `auth/aws-keys-race/access-key/${key.id}` },
        ...Array.from({ length: half }, () => loginRequest(login)),
      ]
      const replies = await burst(server.address, requests, server.rootToken)
      assert.equal(replies[half]!.status, 204)
      onlyGrantedOrRevoked([...replies.slice(0, half), ...replies.slice(half + 1)], round)
      const afterwards = await burst(
        server.address,
        Array.from({ length: 5 }, () => loginRequest(login)),
      )
      for (const reply of afterwards) assert.equal(reply.body.errors?.[0], REVOKED, `round ${round}`)
    }
  })

  it('after DELETE of session credentials answers, no login with them succeeds', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const issued = await server.call('POST', 'auth/aws-keys-race/role/app/session', {
        body: { role_session_name: `race-${round}` },
      })
      assert.equal(issued.status, 200, JSON.stringify(issued.body))
      const { access_key_id: id, secret_access_key: secret, session_token: sessionToken } = issued.body.data
      const login = await signedLogin({ id, secret, sessionToken })
      const half = BURST / 2
      const requests = [
        ...Array.from({ length: half }, () => loginRequest(login)),
        { method: 'DELETE', path: `auth/aws-keys-race/session/${id}` },
        ...Array.from({ length: half }, () => loginRequest(login)),
      ]
      const replies = await burst(server.address, requests, server.rootToken)
      assert.equal(replies[half]!.status, 204)
      onlyGrantedOrRevoked([...replies.slice(0, half), ...replies.slice(half + 1)], round)
      const afterwards = await burst(
        server.address,
        Array.from({ length: 5 }, () => loginRequest(login)),
      )
      for (const reply of afterwards) assert.equal(reply.body.errors?.[0], REVOKED, `round ${round}`)
    }
  })

  it('a rotation racing logins: afterwards only the new key logs in', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const key = await issue()
      const login = await signedLogin(key)
      const requests = [
        { method: 'POST', path: `auth/aws-keys-race/access-key/${key.id}/rotate` },
        ...Array.from({ length: BURST }, () => loginRequest(login)),
      ]
      const replies = await burst(server.address, requests, server.rootToken)
      assert.equal(replies[0]!.status, 200)
      onlyGrantedOrRevoked(replies.slice(1), round)
      const next = {
        id: replies[0]!.body.data.access_key_id,
        secret: replies[0]!.body.data.secret_access_key,
      }
      assert.equal(
        (await server.call('POST', 'auth/aws-keys-race/login', { token: '', body: login })).body.errors?.[0],
        REVOKED,
      )
      const fresh = await server.call('POST', 'auth/aws-keys-race/login', {
        token: '',
        body: await signedLogin(next),
      })
      assert.equal(fresh.status, 200, JSON.stringify(fresh.body))
    }
  })
})
