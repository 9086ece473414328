// Race suite, HA on PostgreSQL: a use-limited token spent on the active node and on standbys at once serves exactly its uses.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type HaCluster, startHaCluster } from '../helpers/ha-cluster.ts'
import { burst, type RaceReply, type RaceRequest } from '../helpers/race.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'

const ROUNDS = 12
const PER_NODE = 10

describe('race: use-limited tokens across HA nodes', { skip: await unmet(POSTGRES) }, () => {
  let cluster: HaCluster
  let root: string

  before(async () => {
    cluster = await startHaCluster(3)
    root = cluster.rootToken
    const active = await cluster.active()
    assert.equal(
      (await active.call('POST', 'sys/mounts/secret', { token: root, body: { type: 'kv-v2' } })).status,
      204,
    )
    assert.equal(
      (await active.call('POST', 'secret/data/x', { token: root, body: { data: { v: 1 } } })).status,
      200,
    )
  })
  after(() => cluster?.close())

  /** The same requests sent to every node at once, each node's share on sockets of its own. */
  async function everywhere(requests: RaceRequest[]): Promise<RaceReply[]> {
    const active = await cluster.active()
    const nodes = [active, ...cluster.standbys()]
    const replies = await Promise.all(nodes.map((node) => burst(node.address, requests)))
    return replies.flat()
  }

  for (const uses of [1, 2]) {
    it(`a token with num_uses=${uses} read through every node at once serves exactly ${uses} reads`, async () => {
      const active = await cluster.active()
      for (let round = 0; round < ROUNDS; round++) {
        const created = await active.call('POST', 'auth/token/create', {
          token: root,
          body: { policies: ['root'], num_uses: uses },
        })
        assert.equal(created.status, 200, JSON.stringify(created.body))
        const token: string = created.body.auth.client_token
        // Standbys serve these reads themselves (KV and lookup-self), so the count is shared only through storage.
        const reads = Array.from({ length: PER_NODE }, (_, i) => ({
          method: 'GET',
          path: i % 2 === 0 ? 'secret/data/x' : 'auth/token/lookup-self',
          token,
        }))
        const replies = await everywhere(reads)
        for (const reply of replies)
          assert.ok(
            reply.status === 200 || reply.status === 403,
            `${reply.status} ${JSON.stringify(reply.body)}`,
          )
        const served = replies.filter((reply) => reply.status === 200).length
        assert.equal(served, uses, `round ${round}: ${served} reads served`)
        for (const reply of await everywhere(reads.slice(0, 2)))
          assert.equal(reply.status, 403, `round ${round}`)
      }
    })
  }
})
