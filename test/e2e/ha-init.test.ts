// Initialising an HA cluster from several nodes at once: exactly one init takes effect, and its keys open every node.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { type HaNode, startHaNode, until } from '../helpers/ha-cluster.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { burst } from '../helpers/race.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'

describe('sys/init on several HA nodes at once', { skip: await unmet(POSTGRES) }, () => {
  const nodes: HaNode[] = []
  let db: TestDatabase | undefined
  after(async () => {
    for (const node of nodes) await node.server.close().catch(() => {})
    await db?.drop()
  })

  it('one init wins; the others are refused and every node unseals with the winner’s key', async () => {
    db = await createTestDatabase()
    for (let i = 0; i < 3; i++) nodes.push(await startHaNode(db.url))
    const init = { method: 'PUT', path: 'sys/init', body: { secret_shares: 1, secret_threshold: 1 } }
    // Every node gets several inits on sockets of their own, all written before any answer is read.
    const replies = (await Promise.all(nodes.map((node) => burst(node.address, [init, init, init])))).flat()
    const won = replies.filter((reply) => reply.status === 200)
    assert.equal(won.length, 1, JSON.stringify(replies.map((r) => [r.status, r.body])))
    for (const reply of replies) {
      if (reply.status === 200) continue
      assert.ok(reply.status === 400 || reply.status === 503, JSON.stringify(reply.body))
      assert.ok(!JSON.stringify(reply.body).includes('keys'), 'a refused init hands out no keys')
    }
    const key: string = won[0]!.body.keys_base64[0]
    const rootToken: string = won[0]!.body.root_token
    for (const node of nodes) {
      const status = await node.call('GET', 'sys/init')
      assert.equal(status.body.initialized, true)
      const unsealed = await node.call('PUT', 'sys/unseal', { body: { key } })
      assert.equal(unsealed.status, 200, JSON.stringify(unsealed.body))
      assert.equal(unsealed.body.sealed, false)
    }
    await until(() => nodes.filter((node) => node.active()).length === 1)
    const active = nodes.find((node) => node.active())!
    const lookup = await active.call('GET', 'auth/token/lookup-self', { token: rootToken })
    assert.equal(lookup.status, 200, JSON.stringify(lookup.body))
    assert.deepEqual(lookup.body.data.policies, ['root'])
  })
})
