// Rotations in an HA cluster: only the active node runs them, and after a failover the new active node does.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { randomPasswordRotator } from '../../src/server/rotation/random-password.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { type HaCluster, type HaNode, startHaCluster } from '../helpers/ha-cluster.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'

const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:marked'

describe('rotation in an HA cluster', { skip: await unmet(POSTGRES) }, () => {
  let cluster: HaCluster
  /** Which node ran each step. */
  const ranOn: number[] = []
  before(async () => {
    cluster = await startHaCluster(2, undefined, (index) => ({
      extraRotationBuiltins: {
        marked: async (event, sm) => {
          ranOn.push(index)
          await randomPasswordRotator(event, sm)
        },
      },
    }))
    const active = await cluster.active()
    const mounted = await active.call('POST', 'sys/mounts/secretsmanager', {
      token: cluster.rootToken,
      body: { type: 'secretsmanager' },
    })
    assert.equal(mounted.status, 204)
  })
  after(() => cluster?.close())

  async function rotateThrough(node: HaNode, name: string): Promise<void> {
    const root = { token: cluster.rootToken }
    const created = await node.call('POST', `secretsmanager/secrets/${name}`, {
      ...root,
      body: { secret_string: 'v-1-initial' },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const rotated = await node.call('POST', `secretsmanager/rotation/${name}`, {
      ...root,
      body: { rotation_lambda_arn: FUNCTION, automatically_after_days: 1 },
    })
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body))
    await withDeadline(
      (async () => {
        for (;;) {
          const s = (await node.call('GET', `secretsmanager/rotation/${name}`, root)).body?.data
          if (s?.last_rotated_date) return
          await delay(100)
        }
      })(),
      `rotation of ${name}`,
    )
  }

  it('a RotateSecret sent to the standby is forwarded, and the steps run on the active node only', async () => {
    const active = await cluster.active()
    const standby = cluster.standbys()[0]!
    await rotateThrough(standby, 'ha/one')
    const activeIndex = cluster.nodes.indexOf(active)
    assert.deepEqual(new Set(ranOn), new Set([activeIndex]))
    assert.equal(ranOn.length, 4)
  })

  it('after a failover, the new active node runs rotations', async () => {
    const old = await cluster.active()
    const survivor = cluster.nodes.find((n) => n !== old)!
    const survivorIndex = cluster.nodes.indexOf(survivor)
    await old.server.close()
    cluster.nodes.splice(cluster.nodes.indexOf(old), 1)
    await cluster.active()
    ranOn.length = 0
    await rotateThrough(survivor, 'ha/two')
    assert.deepEqual(ranOn, [survivorIndex, survivorIndex, survivorIndex, survivorIndex])
  })
})
