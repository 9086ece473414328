// Race suite, identity: aliases, names, group nesting, membership, disable and merge under truly concurrent requests.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type RaceReply, type RaceServer, startRaceServer } from '../helpers/race.ts'

const BURST = 12

describe('race: identity', () => {
  let server: RaceServer
  let accessor: string

  before(async () => {
    server = await startRaceServer()
    await ok('POST', 'sys/auth/userpass', { type: 'userpass' })
    accessor = (await server.call('GET', 'sys/auth')).body.data['userpass/'].accessor
    await ok('PUT', 'sys/policies/acl/reader', {
      policy: 'path "secret/data/shared" { capabilities = ["read"] }',
    })
    await ok('POST', 'secret/data/shared', { data: { a: '1' } })
  })
  after(async () => {
    await server?.close()
  })

  async function ok(method: string, path: string, body?: unknown): Promise<RaceReply> {
    const reply = await server.call(method, path, body === undefined ? {} : { body })
    assert.ok(
      reply.status === 200 || reply.status === 204,
      `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`,
    )
    return reply
  }

  async function entity(name: string): Promise<string> {
    return (await ok('POST', 'identity/entity', { name })).body.data.id
  }

  async function loginAs(user: string): Promise<{ token: string; entityId: string }> {
    await ok('POST', `auth/userpass/users/${user}`, { password: `pw-${user}` })
    const reply = await server.call('POST', `auth/userpass/login/${user}`, {
      token: '',
      body: { password: `pw-${user}` },
    })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return { token: reply.body.auth.client_token, entityId: reply.body.auth.entity_id }
  }

  it('one (mount, name) alias written for many entities at once ends on exactly one of them', async () => {
    const ids: string[] = []
    for (let i = 0; i < BURST; i++) ids.push(await entity(`same-alias-${i}`))
    const replies = await server.burst(
      ids.map((id) => ({
        method: 'POST',
        path: 'identity/entity-alias',
        body: { name: 'shared-login', canonical_id: id, mount_accessor: accessor },
      })),
    )
    // Vault: a write without id for a (mount, name) that has an alias moves that alias; never a second one. The
    // create and each move answer the alias's id and entity.
    assert.deepEqual(
      replies.map((r) => r.status),
      Array(BURST).fill(200),
      JSON.stringify(replies.map((r) => r.body)),
    )
    const holders: string[] = []
    for (const id of ids) {
      const aliases = (await ok('GET', `identity/entity/id/${id}`)).body.data.aliases
      if (aliases.length > 0) holders.push(id)
    }
    assert.equal(holders.length, 1)
    const found = await ok('POST', 'identity/lookup/entity', {
      alias_name: 'shared-login',
      alias_mount_accessor: accessor,
    })
    assert.equal(found.body.data.id, holders[0])
  })

  it('entities and groups of one name written at once are one entity and one group', async () => {
    for (const kind of ['entity', 'group'] as const) {
      const replies = await server.burst(
        Array.from({ length: BURST }, (_, i) => ({
          method: 'POST',
          path: `identity/${kind}`,
          body: { name: `One-${kind}`, metadata: { writer: String(i) } },
        })),
      )
      // Vault answers an entity update with a 204, but every group write with the group's id and name.
      const expected = kind === 'entity' ? [200, ...Array(BURST - 1).fill(204)] : Array(BURST).fill(200)
      assert.deepEqual(replies.map((r) => r.status).sort(), expected)
      const names = (await ok('LIST', `identity/${kind}/name`)).body.data.keys as string[]
      assert.deepEqual(
        names.filter((n) => n.toLowerCase() === `one-${kind}`),
        [`One-${kind}`],
      )
    }
  })

  it('two nestings that would close a cycle, written at once: exactly one is accepted', async () => {
    const a = (await ok('POST', 'identity/group', { name: 'cycle-a' })).body.data.id
    const b = (await ok('POST', 'identity/group', { name: 'cycle-b' })).body.data.id
    const replies = await server.burst([
      { method: 'POST', path: `identity/group/id/${a}`, body: { member_group_ids: [b] } },
      { method: 'POST', path: `identity/group/id/${b}`, body: { member_group_ids: [a] } },
    ])
    assert.deepEqual(replies.map((r) => r.status).sort(), [200, 400])
    const members = [
      (await ok('GET', `identity/group/id/${a}`)).body.data.member_group_ids,
      (await ok('GET', `identity/group/id/${b}`)).body.data.member_group_ids,
    ]
    assert.equal(members.filter((m) => m !== null).length, 1)
  })

  it('once a group removal or an entity disable is answered, the next request of a member token is refused', async () => {
    const { token, entityId } = await loginAs('member')
    const group = (
      await ok('POST', 'identity/group', {
        name: 'readers',
        policies: ['reader'],
        member_entity_ids: [entityId],
      })
    ).body.data.id
    assert.equal((await server.call('GET', 'secret/data/shared', { token })).status, 200)
    const removal = await server.burst([
      { method: 'POST', path: `identity/group/id/${group}`, body: { member_entity_ids: [] } },
      ...Array.from({ length: BURST }, () => ({ method: 'GET', path: 'secret/data/shared', token })),
    ])
    assert.equal(removal[0]!.status, 200)
    for (const reply of removal.slice(1)) assert.ok([200, 403].includes(reply.status), String(reply.status))
    assert.equal((await server.call('GET', 'secret/data/shared', { token })).status, 403)

    await ok('POST', `identity/group/id/${group}`, { member_entity_ids: [entityId] })
    assert.equal((await server.call('GET', 'secret/data/shared', { token })).status, 200)
    const disable = await server.burst([
      { method: 'POST', path: `identity/entity/id/${entityId}`, body: { disabled: true } },
      ...Array.from({ length: BURST }, () => ({ method: 'GET', path: 'secret/data/shared', token })),
    ])
    assert.equal(disable[0]!.status, 204)
    assert.equal((await server.call('GET', 'secret/data/shared', { token })).status, 403)
    assert.equal((await server.call('GET', 'auth/token/lookup-self', { token })).status, 403)
  })

  it('an alias written to an entity being merged away ends on the merge target or is refused, never orphaned', async () => {
    const from = await entity('merge-from')
    const to = await entity('merge-to')
    const replies = await server.burst([
      { method: 'POST', path: 'identity/entity/merge', body: { from_entity_ids: [from], to_entity_id: to } },
      {
        method: 'POST',
        path: 'identity/entity-alias',
        body: { name: 'merge-login', canonical_id: from, mount_accessor: accessor },
      },
    ])
    assert.equal(replies[0]!.status, 204, JSON.stringify(replies[0]!.body))
    assert.ok([200, 400].includes(replies[1]!.status), JSON.stringify(replies[1]!.body))
    assert.equal((await server.call('GET', `identity/entity/id/${from}`)).status, 404)
    const found = await server.call('POST', 'identity/lookup/entity', {
      body: { alias_name: 'merge-login', alias_mount_accessor: accessor },
    })
    if (replies[1]!.status === 200) assert.equal(found.body.data.id, to)
    else assert.equal(found.status, 204)
    const aliases = (await ok('GET', `identity/entity/id/${to}`)).body.data.aliases
    assert.equal(aliases.length, replies[1]!.status === 200 ? 1 : 0)
  })

  it('group aliases written at once for one external group leave exactly one, the others gone rather than dangling', async () => {
    const mounts: string[] = []
    for (let i = 0; i < BURST; i++) {
      await ok('POST', `sys/auth/ga-race-${i}`, { type: 'userpass' })
      mounts.push((await server.call('GET', 'sys/auth')).body.data[`ga-race-${i}/`].accessor)
    }
    const group = (await ok('POST', 'identity/group', { type: 'external', policies: 'reader' })).body.data.id
    const replies = await server.burst(
      mounts.map((mount) => ({
        method: 'POST',
        path: 'identity/group-alias',
        body: { name: 'raced-group', canonical_id: group, mount_accessor: mount },
      })),
    )
    // Vault: each write replaces the alias the group had; all succeed, and the last one stays.
    assert.deepEqual(
      replies.map((r) => r.status),
      mounts.map(() => 200),
    )
    const kept = (await ok('GET', `identity/group/id/${group}`)).body.data.alias.id
    const live = replies.map((r) => r.body.data.id as string).filter((id) => id === kept)
    assert.equal(live.length, 1)
    for (const reply of replies) {
      const id = reply.body.data.id as string
      const read = await server.call('GET', `identity/group-alias/id/${id}`)
      assert.equal(read.status, id === kept ? 200 : 404)
    }
    const listed = (await ok('LIST', 'identity/group-alias/id')).body.data.keys as string[]
    assert.equal(listed.filter((id) => replies.some((r) => r.body.data.id === id)).length, 1)
  })
})
