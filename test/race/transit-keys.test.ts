// Race suite, transit key settings: a key DELETE, a raised min_decryption_version and the one-way exportable and
// allow_plaintext_backup flags hold against requests arriving at the same instant; once a change has answered, no
// request gets past it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type RaceReply, type RaceServer, startRaceServer } from '../helpers/race.ts'

const ROUNDS = 4
const BURST = 40
const PLAINTEXT = Buffer.from('race plaintext').toString('base64')

describe('race: transit keys', () => {
  let server: RaceServer
  /** May encrypt and decrypt (update) with any key, never create one: an encrypt after a delete cannot upsert. */
  let user = ''

  before(async () => {
    server = await startRaceServer()
    await ok('POST', 'sys/mounts/transit', { type: 'transit' })
    await ok('PUT', 'sys/policies/acl/transit-user', {
      policy:
        'path "transit/encrypt/*" { capabilities = ["update"] }\npath "transit/decrypt/*" { capabilities = ["update"] }',
    })
    user = (await ok('POST', 'auth/token/create', { policies: ['transit-user'] })).body.auth.client_token
  })
  after(async () => {
    await server?.close()
  })

  async function ok(method: string, path: string, body?: unknown): Promise<RaceReply> {
    const reply = await server.call(method, path, body === undefined ? {} : { body })
    assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
    return reply
  }

  const encrypt = (key: string) => ({
    method: 'POST',
    path: `transit/encrypt/${key}`,
    token: user,
    body: { plaintext: PLAINTEXT },
  })
  const decrypt = (key: string, ciphertext: string) => ({
    method: 'POST',
    path: `transit/decrypt/${key}`,
    token: user,
    body: { ciphertext },
  })
  const statuses = (replies: RaceReply[]) => replies.map((r) => r.status).join(',')

  async function ciphertext(key: string): Promise<string> {
    return (await ok('POST', `transit/encrypt/${key}`, { plaintext: PLAINTEXT })).body.data.ciphertext
  }

  it('after a key DELETE answers, no encrypt or decrypt with the key succeeds', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const key = `del-${round}`
      await ok('POST', `transit/keys/${key}`)
      await ok('POST', `transit/keys/${key}/config`, { deletion_allowed: true })
      const sealed = await ciphertext(key)
      const uses = Array.from({ length: BURST / 2 }, (_, i) => (i % 2 ? decrypt(key, sealed) : encrypt(key)))
      const replies = await server.burst([
        ...uses,
        { method: 'DELETE', path: `transit/keys/${key}` },
        ...uses,
      ])
      assert.equal(replies[BURST / 2]!.status, 204, JSON.stringify(replies[BURST / 2]!.body))
      for (const r of replies)
        assert.ok(
          r.status === 200 || r.status === 204 || r.status === 400 || r.status === 403,
          `round ${round}: ${statuses(replies)}`,
        )
      // A decrypt finds no key (400); an encrypt of a missing key would create one, which this token may not (403).
      const afterwards = await server.burst(uses)
      assert.deepEqual(
        afterwards.map((r) => r.status),
        uses.map((_, i) => (i % 2 ? 400 : 403)),
        `round ${round}`,
      )
      assert.equal((await server.call('GET', `transit/keys/${key}`)).status, 404, `round ${round}`)
    }
  })

  it('after deletion_allowed=false answers, no DELETE of the key succeeds', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const key = `keep-${round}`
      await ok('POST', `transit/keys/${key}`)
      await ok('POST', `transit/keys/${key}/config`, { deletion_allowed: true })
      const half = BURST / 2
      const del = { method: 'DELETE', path: `transit/keys/${key}` }
      const replies = await server.burst([
        ...Array(half).fill(del),
        { method: 'POST', path: `transit/keys/${key}/config`, body: { deletion_allowed: false } },
        ...Array(half).fill(del),
      ])
      const config = replies[half]!
      const deleted = replies.filter((r, i) => i !== half && r.status === 204).length
      if (config.status === 200 || config.status === 204) {
        // The config found the key: it was stored with deletion refused, and no DELETE got past that.
        assert.equal(deleted, 0, `round ${round}: ${statuses(replies)}`)
        const read = await server.call('GET', `transit/keys/${key}`)
        assert.equal(read.body.data.deletion_allowed, false)
      } else {
        // A DELETE came first: the config found no key, and no key came back.
        assert.equal(config.status, 400, JSON.stringify(config.body))
        assert.equal((await server.call('GET', `transit/keys/${key}`)).status, 404)
      }
      // Refused either way: deletion is not allowed, or there is no key.
      assert.equal((await server.call('DELETE', `transit/keys/${key}`)).status, 400)
    }
  })

  it('after min_decryption_version is raised, no decrypt of an older version succeeds', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const key = `min-${round}`
      await ok('POST', `transit/keys/${key}`)
      const old: string[] = [await ciphertext(key)]
      for (let v = 2; v <= 3; v++) {
        await ok('POST', `transit/keys/${key}/rotate`)
        old.push(await ciphertext(key))
      }
      const [v1, v2, v3] = old as [string, string, string]
      const decrypts = Array.from({ length: BURST / 2 }, (_, i) => decrypt(key, [v1, v2, v3][i % 3]!))
      const replies = await server.burst([
        ...decrypts,
        { method: 'POST', path: `transit/keys/${key}/config`, body: { min_decryption_version: 3 } },
        ...decrypts,
      ])
      assert.ok(replies[BURST / 2]!.status < 300, JSON.stringify(replies[BURST / 2]!.body))
      for (const r of replies)
        assert.ok(r.status < 300 || r.status === 400, `round ${round}: ${statuses(replies)}`)
      const afterwards = await server.burst([
        ...Array(6).fill(decrypt(key, v1)),
        ...Array(6).fill(decrypt(key, v2)),
        ...Array(6).fill(decrypt(key, v3)),
      ])
      assert.deepEqual(
        afterwards.map((r) => r.status),
        [...Array(12).fill(400), ...Array(6).fill(200)],
        `round ${round}`,
      )
      assert.equal(afterwards[12]!.body.data.plaintext, PLAINTEXT)
    }
  })

  for (const flag of ['exportable', 'allow_plaintext_backup'] as const) {
    it(`${flag} is one-way under concurrent config writes: once set it stays set`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const key = `${flag}-${round}`
        await ok('POST', `transit/keys/${key}`)
        const replies = await server.burst(
          Array.from({ length: BURST }, (_, i) => ({
            method: 'POST',
            path: `transit/keys/${key}/config`,
            // Every eighth sets the flag; the rest try to clear it (and change something else, so each is a write).
            body: { [flag]: i % 8 === 3, auto_rotate_period: `${i + 1}h` },
          })),
        )
        for (const r of replies)
          assert.ok(r.status < 300 || r.status === 400, `round ${round}: ${statuses(replies)}`)
        const set = replies.filter((r, i) => i % 8 === 3 && r.status < 300)
        assert.equal(set.length, BURST / 8, `round ${round}: setting ${flag} was refused`)
        const read = await server.call('GET', `transit/keys/${key}`)
        assert.equal(read.body.data[flag], true, `round ${round}: ${flag} was cleared after it was set`)
        // Clears answered 400 from the first set on; those answered 2xx all ran before it.
        const cleared = replies.filter((r, i) => i % 8 !== 3 && r.status < 300).length
        const refused = replies.filter((r, i) => i % 8 !== 3 && r.status === 400)
        assert.equal(cleared + refused.length, BURST - BURST / 8)
        for (const r of refused) assert.match(r.body.errors[0], /cannot be/, `round ${round}`)
        const late = await server.call('POST', `transit/keys/${key}/config`, { body: { [flag]: false } })
        assert.equal(late.status, 400)
        assert.equal((await server.call('GET', `transit/keys/${key}`)).body.data[flag], true)
      }
    })
  }
})
