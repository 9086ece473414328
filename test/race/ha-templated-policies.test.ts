// Race suite, HA on PostgreSQL: a standby serving reads under templated policies follows an identity change made on
// the active node (an entity renamed, its or its group's metadata changed) from the moment the change answers.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type HaCluster, startHaCluster } from '../helpers/ha-cluster.ts'
import { burst, type RaceRequest } from '../helpers/race.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'

const ROUNDS = 3
const BURST = 20
const TEMPLATED = [
  'path "secret/data/n-{{identity.entity.name}}" { capabilities = ["read"] }',
  'path "secret/data/m-{{identity.entity.metadata.team}}" { capabilities = ["read"] }',
  'path "secret/data/g-{{identity.groups.names.crew.metadata.site}}" { capabilities = ["read"] }',
].join('\n')

describe('race: templated policies on HA standbys', { skip: await unmet(POSTGRES) }, () => {
  let cluster: HaCluster
  let root: string

  before(async () => {
    cluster = await startHaCluster(2)
    root = cluster.rootToken
    const active = await cluster.active()
    const ok = async (method: string, path: string, body: unknown) => {
      const reply = await active.call(method, path, { token: root, body })
      assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
      return reply
    }
    await ok('POST', 'sys/mounts/secret', { type: 'kv-v2' })
    await ok('POST', 'sys/auth/userpass', { type: 'userpass' })
    await ok('PUT', 'sys/policies/acl/templated', { policy: TEMPLATED })
  })
  after(() => cluster?.close())

  /** What each round changes on the active node, and the secret the old identity could read and the new cannot. */
  const changes = [
    { what: 'entity renamed', path: (tag: string) => `n-old${tag}` },
    { what: 'entity metadata changed', path: (tag: string) => `m-old${tag}` },
    { what: 'group metadata changed', path: (tag: string) => `g-old${tag}` },
  ] as const

  for (const [index, change] of changes.entries())
    it(`after the ${change.what} on the active node answers, no standby read uses the old template`, async () => {
      const active = await cluster.active()
      const standby = cluster.standbys()[0]!
      const call = async (method: string, path: string, body?: unknown) => {
        const reply = await active.call(method, path, {
          token: root,
          ...(body === undefined ? {} : { body }),
        })
        assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
        return reply
      }
      for (let round = 0; round < ROUNDS; round++) {
        const tag = `${index}-${round}`
        const user = `u${tag}`
        await call('POST', `auth/userpass/users/${user}`, { password: 'pw', policies: 'templated' })
        const login = await active.call('POST', `auth/userpass/login/${user}`, { body: { password: 'pw' } })
        assert.equal(login.status, 200, JSON.stringify(login.body))
        const { client_token: token, entity_id: entityId } = login.body.auth
        await call('POST', `identity/entity/id/${entityId}`, {
          name: `old${tag}`,
          metadata: { team: `old${tag}` },
        })
        const group = await call('POST', 'identity/group', {
          name: 'crew',
          metadata: { site: `old${tag}` },
          member_entity_ids: [entityId],
        })
        const groupId: string =
          group.body?.data?.id ?? (await call('GET', 'identity/group/name/crew')).body.data.id
        const secret = `secret/data/${change.path(tag)}`
        await call('POST', secret, { data: { v: round } })
        const reads: RaceRequest[] = Array.from({ length: BURST }, () => ({
          method: 'GET',
          path: secret,
          token,
        }))
        // The standby compiles and caches the ACL for this entity while the old identity holds.
        for (const reply of await burst(standby.address, reads))
          assert.equal(reply.status, 200, `round ${round}`)
        const [changed, racing] = await Promise.all([
          index === 0
            ? call('POST', `identity/entity/id/${entityId}`, { name: `new${tag}` })
            : index === 1
              ? call('POST', `identity/entity/id/${entityId}`, { metadata: { team: `new${tag}` } })
              : call('POST', `identity/group/id/${groupId}`, { metadata: { site: `new${tag}` } }),
          burst(standby.address, reads),
        ])
        assert.ok(changed.status < 300)
        for (const reply of racing) assert.ok(reply.status === 200 || reply.status === 403, `${reply.status}`)
        for (const node of cluster.nodes)
          for (const reply of await burst(node.address, reads))
            assert.equal(reply.status, 403, `round ${round}, ${node.active() ? 'active' : 'standby'}`)
      }
    })
})
