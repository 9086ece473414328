// Race suite, rate-limit quotas: with rate N, at most N of many simultaneous requests pass; quotas survive a restart.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type RaceServer, startRaceServer } from '../helpers/race.ts'

const ROUNDS = 4
const BURST = 30
const RATE = 5

describe('race: rate-limit quotas', () => {
  let server: RaceServer
  before(async () => {
    server = await startRaceServer()
    assert.equal((await server.call('POST', 'secret/data/hot', { body: { data: { v: 1 } } })).status, 200)
  })
  after(async () => {
    await server?.close()
  })

  it(`lets at most ${RATE} of ${BURST} simultaneous reads through, and refuses the rest with 429`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // A fresh quota per round: rewriting it starts with empty buckets; an hour-long window never refills.
      const write = await server.call('POST', 'sys/quotas/rate-limit/hot', {
        body: { path: 'secret/data/hot', rate: RATE, interval: '1h' },
      })
      assert.equal(write.status, 204)
      const replies = await server.burst(
        Array.from({ length: BURST }, () => ({ method: 'GET', path: 'secret/data/hot' })),
      )
      const statuses = replies.map((reply) => reply.status)
      assert.equal(statuses.filter((s) => s === 200).length, RATE, `round ${round}: ${statuses.join(',')}`)
      assert.equal(statuses.filter((s) => s === 429).length, BURST - RATE)
    }
  })

  it('keeps quotas and the config across a restart', async () => {
    await server.call('POST', 'sys/quotas/config', { body: { enable_rate_limit_response_headers: true } })
    await server.restart()
    const read = await server.call('GET', 'sys/quotas/rate-limit/hot')
    assert.equal(read.status, 200)
    assert.equal(read.body.data.rate, RATE)
    assert.equal(
      (await server.call('GET', 'sys/quotas/config')).body.data.enable_rate_limit_response_headers,
      true,
    )
    const replies = await server.burst(
      Array.from({ length: BURST }, () => ({ method: 'GET', path: 'secret/data/hot' })),
    )
    assert.equal(replies.filter((reply) => reply.status === 200).length, RATE)
    assert.equal(replies.find((reply) => reply.status === 429)?.headers['x-ratelimit-limit'], String(RATE))
  })
})
