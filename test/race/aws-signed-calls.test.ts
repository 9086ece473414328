// Race suite, signed AWS calls: GetSecretValue through the AWS front door racing the revocation of its credentials
// (key, session, entity) and a change of its policy on a real server process; once the change has answered, no call
// gets past it.
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import { BOTOCORE, signedLoginFor } from '../helpers/aws-signers.ts'
import { burst, type RaceReply, type RaceRequest, type RaceServer, startRaceServer } from '../helpers/race.ts'
import { describeUnless, unmet } from '../helpers/requirements.ts'

const ROUNDS = 3
const BURST = 30
const SECRET = 'race-v4lue'
const REVOKED = 'UnrecognizedClientException'
const DENIED = 'AccessDeniedException'
const READ_APP = 'path "secretsmanager/secrets/app" { capabilities = ["read"] }'

describeUnless(await unmet(BOTOCORE), 'race: signed Secrets Manager calls', () => {
  let server: RaceServer

  before(async () => {
    server = await startRaceServer()
    const ok = async (method: string, path: string, body: unknown) => {
      const reply = await server.call(method, path, { body })
      assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
    }
    // `coffer server -dev` may have mounted either already (the AWS front door uses the first of each type).
    const mounts = (await server.call('GET', 'sys/mounts')).body.data
    if (!mounts['secretsmanager/']) await ok('POST', 'sys/mounts/secretsmanager', { type: 'secretsmanager' })
    const auths = (await server.call('GET', 'sys/auth')).body.data
    if (!auths['aws-keys/']) await ok('POST', 'sys/auth/aws-keys', { type: 'aws-keys' })
    await ok('PUT', 'sys/policies/acl/app-read', { policy: READ_APP })
    await ok('POST', 'auth/aws-keys/role/app', { token_policies: 'app-read' })
    await ok('POST', 'secretsmanager/secrets/app', { secret_string: SECRET })
  })
  after(async () => {
    await server?.close()
  })

  async function issue(): Promise<{ id: string; secret: string }> {
    const reply = await server.call('POST', 'auth/aws-keys/role/app/access-key')
    assert.equal(reply.status, 200)
    return { id: reply.body.data.access_key_id, secret: reply.body.data.secret_access_key }
  }

  /** GetSecretValue of "app", signed by botocore for this server, as the raw AWS call (not a login). */
  async function signedCall(key: {
    id: string
    secret: string
    sessionToken?: string
  }): Promise<RaceRequest> {
    const signed = await signedLoginFor(server.address, key)
    const headers: Record<string, string> = {}
    // The burst sets Host itself (the signed one: the same address); names lower-cased so none is sent twice.
    for (const [name, value] of Object.entries(signed.headers as Record<string, string>))
      if (name.toLowerCase() !== 'host') headers[name.toLowerCase()] = value
    return {
      method: 'POST',
      path: '/',
      token: '',
      headers,
      body: Buffer.from(signed.body, 'base64').toString(),
    }
  }

  /** Every call of a burst either read the secret or was refused with `refusal`: nothing else, never a 5xx. */
  function onlyReadOr(refusal: string, replies: RaceReply[], round: number): void {
    for (const reply of replies)
      assert.ok(
        (reply.status === 200 && reply.body.SecretString === SECRET) ||
          (reply.status === 400 && reply.body.__type === refusal),
        `round ${round}: ${reply.status} ${JSON.stringify(reply.body)}`,
      )
  }

  async function allRefused(call: RaceRequest, refusal: string, round: number): Promise<void> {
    const afterwards = await burst(
      server.address,
      Array.from({ length: 5 }, () => call),
    )
    for (const reply of afterwards)
      assert.equal(
        reply.body.__type,
        refusal,
        `round ${round}: ${reply.status} ${JSON.stringify(reply.body)}`,
      )
  }

  it('after DELETE access-key answers, no call signed with the key succeeds', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const key = await issue()
      const call = await signedCall(key)
      const first = await server.call('POST', '/', call)
      assert.equal(first.body.SecretString, SECRET, JSON.stringify(first.body))
      const half = BURST / 2
      const replies = await burst(
        server.address,
        [
          ...Array.from({ length: half }, () => call),
          { method: 'DELETE', path: `auth/aws-keys/access-key/${key.id}` },
          ...Array.from({ length: half }, () => call),
        ],
        server.rootToken,
      )
      assert.equal(replies[half]!.status, 204)
      onlyReadOr(REVOKED, [...replies.slice(0, half), ...replies.slice(half + 1)], round)
      await allRefused(call, REVOKED, round)
    }
  })

  it('after DELETE of session credentials answers, no call signed with them succeeds', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const issued = await server.call('POST', 'auth/aws-keys/role/app/session', {
        body: { role_session_name: `race-${round}` },
      })
      assert.equal(issued.status, 200, JSON.stringify(issued.body))
      const { access_key_id: id, secret_access_key: secret, session_token: sessionToken } = issued.body.data
      const call = await signedCall({ id, secret, sessionToken })
      assert.equal((await server.call('POST', '/', call)).body.SecretString, SECRET)
      const half = BURST / 2
      const replies = await burst(
        server.address,
        [
          ...Array.from({ length: half }, () => call),
          { method: 'DELETE', path: `auth/aws-keys/session/${id}` },
          ...Array.from({ length: half }, () => call),
        ],
        server.rootToken,
      )
      assert.equal(replies[half]!.status, 204)
      onlyReadOr(REVOKED, [...replies.slice(0, half), ...replies.slice(half + 1)], round)
      await allRefused(call, REVOKED, round)
    }
  })

  it('after the signer’s entity is disabled, no call succeeds', async () => {
    const accessor = (await server.call('GET', 'sys/auth')).body.data['aws-keys/'].accessor
    for (let round = 0; round < ROUNDS; round++) {
      const key = await issue()
      const call = await signedCall(key)
      // Two calls: the first creates the entity, the second is the login the identity store remembers.
      for (let i = 0; i < 2; i++)
        assert.equal((await server.call('POST', '/', call)).body.SecretString, SECRET, `round ${round}`)
      const found = await server.call('POST', 'identity/lookup/entity', {
        body: { alias_name: key.id, alias_mount_accessor: accessor },
      })
      assert.equal(found.status, 200, JSON.stringify(found.body))
      const half = BURST / 2
      const replies = await burst(
        server.address,
        [
          ...Array.from({ length: half }, () => call),
          { method: 'POST', path: `identity/entity/id/${found.body.data.id}`, body: { disabled: true } },
          ...Array.from({ length: half }, () => call),
        ],
        server.rootToken,
      )
      assert.ok(replies[half]!.status < 300, JSON.stringify(replies[half]))
      onlyReadOr(DENIED, [...replies.slice(0, half), ...replies.slice(half + 1)], round)
      await allRefused(call, DENIED, round)
    }
  })

  it('after a policy update that drops the read answers, no call reads the secret', async () => {
    const key = await issue()
    const call = await signedCall(key)
    for (let round = 0; round < ROUNDS; round++) {
      assert.equal((await server.call('POST', '/', call)).body.SecretString, SECRET, `round ${round}`)
      const half = BURST / 2
      const replies = await burst(
        server.address,
        [
          ...Array.from({ length: half }, () => call),
          {
            method: 'PUT',
            path: 'sys/policies/acl/app-read',
            body: { policy: 'path "secretsmanager/secrets/other" { capabilities = ["read"] }' },
          },
          ...Array.from({ length: half }, () => call),
        ],
        server.rootToken,
      )
      assert.equal(replies[half]!.status, 204)
      onlyReadOr(DENIED, [...replies.slice(0, half), ...replies.slice(half + 1)], round)
      await allRefused(call, DENIED, round)
      const restored = await server.call('PUT', 'sys/policies/acl/app-read', { body: { policy: READ_APP } })
      assert.equal(restored.status, 204)
    }
  })
})
