// Race suite, barrier keyring: rotations racing a seal and writes, then a restart, on a real server process.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type RaceRequest, type RaceServer, startRaceServer } from '../helpers/race.ts'

const ROUNDS = 6

describe('race: barrier keyring', () => {
  let server: RaceServer
  let unsealKey = ''

  before(async () => {
    server = await startRaceServer()
    unsealKey = JSON.parse(readFileSync(join(server.dataDir, 'dev-keys.json'), 'utf8')).unseal_key
  })
  after(async () => {
    await server?.close()
  })

  const term = async (): Promise<number> => (await server.call('GET', 'sys/key-status')).body.data.term

  it('a rotation racing a seal took effect exactly when it was answered 204; every value written stays readable', async () => {
    const written = new Map<string, string>()
    for (let round = 0; round < ROUNDS; round++) {
      const before = await term()
      const requests: RaceRequest[] = []
      for (let i = 0; i < 12; i++) {
        requests.push({
          method: 'POST',
          path: `secret/data/k${round}-${i}`,
          body: { data: { v: `${round}-${i}` } },
        })
        if (i % 2 === 0) requests.push({ method: 'POST', path: 'sys/rotate' })
        if (i === 5) requests.push({ method: 'POST', path: 'sys/seal' })
      }
      const replies = await server.burst(requests)
      let rotated = 0
      replies.forEach((reply, i) => {
        const { path } = requests[i]!
        if (path === 'sys/rotate') {
          assert.ok(
            [204, 503].includes(reply.status),
            `rotate: ${reply.status} ${JSON.stringify(reply.body)}`,
          )
          if (reply.status === 204) rotated++
        }
        if (path.startsWith('secret/') && reply.status === 200)
          written.set(path, `${round}-${path.split('-')[1]}`)
      })
      assert.equal(
        (await server.call('POST', 'sys/unseal', { token: '', body: { key: unsealKey } })).status,
        200,
      )
      // A rotation answered 503 must not have happened anyway (its keyring stored just as the seal came).
      assert.equal(
        (await term()) - before,
        rotated,
        `round ${round}: ${replies.map((r) => r.status).join(',')}`,
      )
    }
    await server.restart()
    for (const [path, value] of written)
      assert.equal((await server.call('GET', path)).body?.data?.data?.v, value, path)
  })
})
