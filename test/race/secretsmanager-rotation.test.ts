// Race suite, Secrets Manager rotation: RotateSecret calls arriving at the same instant start one rotation, never two.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { withDeadline } from '../helpers/deadline.ts'
import { type RaceServer, startRaceServer } from '../helpers/race.ts'

const ROUNDS = 3
const BURST = 8
const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:coffer-random-password'
const IN_PROGRESS = 'Previous rotation request is still in progress.'

describe('race: RotateSecret', () => {
  let server: RaceServer
  before(async () => {
    server = await startRaceServer()
  })
  after(async () => {
    await server?.close()
  })

  async function versionsOf(name: string): Promise<Record<string, string[]>> {
    const reply = await server.call('GET', `secretsmanager/metadata/${name}`)
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return reply.body.data.version_ids_to_stages
  }

  /** Until the rotation started by the burst has completed: AWSPENDING gone and a rotation date recorded. */
  async function settled(name: string): Promise<Record<string, string[]>> {
    return withDeadline(
      (async () => {
        for (;;) {
          const status = (await server.call('GET', `secretsmanager/rotation/${name}`)).body.data
          if (status.last_rotated_date && status.rotation_status.state === 'Idle') return versionsOf(name)
          await delay(100)
        }
      })(),
      `rotation of ${name} completes`,
    )
  }

  it('simultaneous RotateSecret calls without a token: one starts the rotation, the rest are refused', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `race/rot-${round}`
      assert.equal(
        (
          await server.call('POST', `secretsmanager/secrets/${name}`, {
            body: { secret_string: 'initial-value' },
          })
        ).status,
        200,
      )
      const replies = await server.burst(
        Array.from({ length: BURST }, () => ({
          method: 'POST',
          path: `secretsmanager/rotation/${name}`,
          body: { rotation_lambda_arn: FUNCTION },
        })),
      )
      const started = replies.filter((r) => r.status === 200)
      assert.equal(started.length, 1, `round ${round}: ${JSON.stringify(replies.map((r) => r.status))}`)
      for (const r of replies.filter((x) => x.status !== 200))
        assert.deepEqual([r.status, r.body.errors?.[0]], [400, IN_PROGRESS], `round ${round}`)
      const versions = await settled(name)
      // The original value and exactly one rotated version.
      assert.equal(Object.keys(versions).length, 2, `round ${round}: ${JSON.stringify(versions)}`)
      assert.deepEqual(versions[started[0]!.body.data.version_id], ['AWSCURRENT'])
    }
  })

  it('simultaneous RotateSecret calls with one ClientRequestToken: all answer the same version, one rotation', async () => {
    const name = 'race/rot-token'
    await server.call('POST', `secretsmanager/secrets/${name}`, { body: { secret_string: 'initial-value' } })
    const token = 'race-token-0000000000000000000000001'
    const replies = await server.burst(
      Array.from({ length: BURST }, () => ({
        method: 'POST',
        path: `secretsmanager/rotation/${name}`,
        body: { rotation_lambda_arn: FUNCTION, client_request_token: token },
      })),
    )
    for (const r of replies)
      assert.deepEqual([r.status, r.body.data?.version_id], [200, token], JSON.stringify(r.body))
    const versions = await settled(name)
    assert.equal(Object.keys(versions).length, 2, JSON.stringify(versions))
    assert.deepEqual(versions[token], ['AWSCURRENT'])
  })
})
