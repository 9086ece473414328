// Race suite, CORS settings: simultaneous enables and disables leave the settings in force equal to the stored ones.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type RaceReply, type RaceServer, startRaceServer } from '../helpers/race.ts'

const ROUNDS = 3
const ORIGINS = Array.from({ length: 12 }, (_, i) => `https://app${i}.example`)

describe('race: CORS settings', () => {
  let server: RaceServer
  before(async () => {
    server = await startRaceServer()
  })
  after(async () => {
    await server?.close()
  })

  /** Which origins the server lets through now, seen from requests carrying them (null: CORS is off). */
  async function inForce(): Promise<string[] | null> {
    const allowed: string[] = []
    let off = 0
    for (const origin of ORIGINS) {
      const reply = await server.call('GET', 'sys/mounts', { headers: { origin } })
      if (reply.status === 403) continue
      assert.equal(reply.status, 200)
      if (reply.headers['access-control-allow-origin'] === origin) allowed.push(origin)
      else off++
    }
    if (off === ORIGINS.length) return null
    assert.equal(off, 0, 'either CORS is off for every origin or on for every one')
    return allowed
  }

  async function stored(): Promise<string[] | null> {
    const data = (await server.call('GET', 'sys/config/cors')).body.data
    return data.enabled ? data.allowed_origins : null
  }

  it('each request sees one whole setting; what is in force is what is stored, also after a restart', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const replies: RaceReply[] = await server.burst(
        ORIGINS.flatMap((origin, i) => [
          i % 4 === 3
            ? { method: 'DELETE', path: 'sys/config/cors' }
            : { method: 'POST', path: 'sys/config/cors', body: { allowed_origins: origin } },
          { method: 'GET', path: 'sys/mounts', headers: { origin } },
        ]),
      )
      ORIGINS.forEach((origin, i) => {
        assert.equal(replies[2 * i]!.status, 204, `write ${i}`)
        const read = replies[2 * i + 1]!
        // Allowed (naming this origin), refused with 403, or CORS off (no header): never anything else.
        if (read.status === 403) assert.deepEqual(read.body, { errors: ['origin not allowed'] })
        else {
          assert.equal(read.status, 200, `read ${i}`)
          const named = read.headers['access-control-allow-origin']
          assert.ok(named === undefined || named === origin, `read ${i}: ${named}`)
        }
      })
      const settled = await stored()
      assert.deepEqual(await inForce(), settled, `round ${round}`)
    }
    const before = await stored()
    await server.restart()
    assert.deepEqual(await stored(), before)
    assert.deepEqual(await inForce(), before)
  })
})
