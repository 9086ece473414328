// Race suite, HA on PostgreSQL: security state changed on the active node (an entity disabled, a group membership or
// group policy removed, an access key deleted or rotated, session credentials deleted, a secret destroyed) binds a
// standby from the moment the change answers.
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import { signedJsonHeaders } from '../helpers/aws-signers.ts'
import { type HaCluster, type HaNode, startHaCluster } from '../helpers/ha-cluster.ts'
import { burst, type RaceReply, type RaceRequest } from '../helpers/race.ts'
import { describeUnless, POSTGRES, unmet } from '../helpers/requirements.ts'
import type { Reply } from '../helpers/server.ts'

const ROUNDS = 3
const BURST = 30
const READER = [
  'path "secret/data/*" { capabilities = ["read"] }',
  'path "secretsmanager/secrets/*" { capabilities = ["read"] }',
].join('\n')

/** How a read counts: served (the old state), refused (the new state), or neither (a failure in itself). */
type Verdict = 'served' | 'refused' | 'other'

describeUnless(await unmet(POSTGRES), 'race: security state changes on HA standbys', () => {
  let cluster: HaCluster
  let root: string
  let awsAccessor: string

  before(async () => {
    cluster = await startHaCluster(2)
    root = cluster.rootToken
    await ok('POST', 'sys/mounts/secret', { type: 'kv-v2' })
    await ok('POST', 'sys/mounts/secretsmanager', { type: 'secretsmanager' })
    await ok('POST', 'sys/auth/userpass', { type: 'userpass' })
    await ok('POST', 'sys/auth/aws-keys', { type: 'aws-keys' })
    await ok('PUT', 'sys/policies/acl/reader', { policy: READER })
    await ok('POST', 'auth/aws-keys/role/app', { token_policies: 'reader' })
    awsAccessor = (await ok('GET', 'sys/auth')).body.data['aws-keys/'].accessor
  })
  after(() => cluster?.close())

  /** A root request on the active node that must succeed. */
  async function ok(method: string, path: string, body?: unknown): Promise<Reply> {
    const active = await cluster.active()
    const reply = await active.call(method, path, { token: root, ...(body === undefined ? {} : { body }) })
    assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
    return reply
  }

  function standby(): HaNode {
    const node = cluster.standbys()[0]
    assert.ok(node, 'a standby')
    return node
  }

  /**
   * The race: `reads` (built per node: AWS calls are signed for the node's address) are served on the standby;
   * then the change runs on the active node while a burst of them is in flight on the standby; once the change
   * has answered, a burst on every node must be refused, every read of it.
   */
  async function race(
    round: number,
    reads: (node: HaNode) => Promise<RaceRequest[]> | RaceRequest[],
    verdict: (reply: RaceReply) => Verdict,
    change: () => Promise<Reply>,
  ): Promise<void> {
    const node = standby()
    const requests = await reads(node)
    const show = (replies: RaceReply[]) =>
      replies.map((r) => `${r.status}${r.body?.__type ? `:${r.body.__type}` : ''}`).join(',')
    // The standby has everything cached from reads it served while the old state held.
    const warm = await burst(node.address, requests)
    assert.ok(
      warm.every((r) => verdict(r) === 'served'),
      `round ${round}, before: ${show(warm)} ${JSON.stringify(warm[0]?.body)}`,
    )
    const [changed, racing] = await Promise.all([change(), burst(node.address, requests)])
    assert.ok(changed.status < 300, `the change: ${changed.status} ${JSON.stringify(changed.body)}`)
    assert.ok(
      racing.every((r) => verdict(r) !== 'other'),
      `round ${round}, racing: ${show(racing)} ${JSON.stringify(racing.find((r) => verdict(r) === 'other')?.body)}`,
    )
    for (const each of [node, ...cluster.nodes.filter((n) => n !== node)]) {
      const afterwards = await burst(each.address, await reads(each))
      assert.ok(
        afterwards.every((r) => verdict(r) === 'refused'),
        `round ${round}, after the change answered, on the ${each.active() ? 'active node' : 'standby'}: ${show(afterwards)}`,
      )
    }
  }

  /** A userpass login on the active node with `policies`: its token and entity. */
  async function login(user: string, policies: string): Promise<{ token: string; entityId: string }> {
    await ok('POST', `auth/userpass/users/${user}`, { password: 'pw', policies })
    const active = await cluster.active()
    const reply = await active.call('POST', `auth/userpass/login/${user}`, { body: { password: 'pw' } })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return { token: reply.body.auth.client_token, entityId: reply.body.auth.entity_id }
  }

  /** Vault API reads: a KV secret and the token's own lookup, all served by a standby itself. */
  const vaultReads = (token: string, secret: string) => (): RaceRequest[] =>
    Array.from({ length: BURST }, (_, i) => ({
      method: 'GET',
      path: i % 3 === 2 ? 'auth/token/lookup-self' : `secret/data/${secret}`,
      token,
    }))
  const servedOr403 = (reply: RaceReply): Verdict =>
    reply.status === 200 ? 'served' : reply.status === 403 ? 'refused' : 'other'

  it('after an entity is disabled on the active node, no standby read by its token succeeds', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { token, entityId } = await login(`disabled-${round}`, 'reader')
      await ok('POST', `secret/data/disabled-${round}`, { data: { v: round } })
      await race(round, vaultReads(token, `disabled-${round}`), servedOr403, () =>
        ok('POST', `identity/entity/id/${entityId}`, { disabled: true }),
      )
    }
  })

  const groupChanges = [
    { what: 'the entity is removed from the group', method: 'POST', body: { member_entity_ids: [] } },
    { what: 'the policy is removed from the group', method: 'POST', body: { policies: [] } },
    { what: 'the group is deleted', method: 'DELETE', body: undefined },
  ] as const
  for (const [index, change] of groupChanges.entries())
    it(`after ${change.what} on the active node, no standby read relying on it succeeds`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const tag = `${index}-${round}`
        const { token, entityId } = await login(`member-${tag}`, 'default')
        const group = await ok('POST', 'identity/group', {
          name: `readers-${tag}`,
          policies: ['reader'],
          member_entity_ids: [entityId],
        })
        const groupId: string = group.body.data.id
        await ok('POST', `secret/data/group-${tag}`, { data: { v: round } })
        await race(
          round,
          () => vaultReads(token, `group-${tag}`)().filter((r) => r.path !== 'auth/token/lookup-self'),
          servedOr403,
          () => ok(change.method, `identity/group/id/${groupId}`, change.body),
        )
      }
    })

  /**
   * GetSecretValue of `name` signed with `key` (and its session token, if any) for `node`'s address (its Host),
   * BURST times. A standby forwards AWS calls to the active node, whose verification must see the change.
   */
  async function awsReads(
    node: HaNode,
    key: { id: string; secret: string; sessionToken?: string },
    name: string,
  ): Promise<RaceRequest[]> {
    const body = JSON.stringify({ SecretId: name })
    const signed = await signedJsonHeaders({
      address: node.address,
      service: 'secretsmanager',
      action: 'GetSecretValue',
      body,
      accessKeyId: key.id,
      secretAccessKey: key.secret,
      ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}),
    })
    // The burst writes Host itself (the signed one: the same address).
    const headers: Record<string, string> = {}
    for (const [header, value] of Object.entries(signed))
      if (header.toLowerCase() !== 'host') headers[header.toLowerCase()] = value
    return Array.from({ length: BURST }, () => ({ method: 'POST', path: '/', token: '', headers, body }))
  }

  const awsVerdict =
    (value: string, refusal: string) =>
    (reply: RaceReply): Verdict =>
      reply.status === 200 && reply.body?.SecretString === value
        ? 'served'
        : reply.status === 400 && reply.body?.__type === refusal
          ? 'refused'
          : 'other'

  async function accessKey(): Promise<{ id: string; secret: string }> {
    const issued = (await ok('POST', 'auth/aws-keys/role/app/access-key')).body.data
    return { id: issued.access_key_id, secret: issued.secret_access_key }
  }

  it('after an access key is deleted on the active node, no signed call through a standby succeeds', async () => {
    await ok('POST', 'secretsmanager/secrets/aws-app', { secret_string: 'v-key' })
    for (let round = 0; round < ROUNDS; round++) {
      const key = await accessKey()
      await race(
        round,
        (node) => awsReads(node, key, 'aws-app'),
        awsVerdict('v-key', 'UnrecognizedClientException'),
        () => ok('DELETE', `auth/aws-keys/access-key/${key.id}`),
      )
    }
  })

  it('after session credentials are deleted on the active node, no signed call through a standby succeeds', async () => {
    await ok('POST', 'secretsmanager/secrets/aws-session', { secret_string: 'v-session' })
    for (let round = 0; round < ROUNDS; round++) {
      const issued = (
        await ok('POST', 'auth/aws-keys/role/app/session', { role_session_name: `ha-${round}` })
      ).body.data
      // Signed with the session token (X-Amz-Security-Token), as an SDK holding temporary credentials signs.
      const session = {
        id: issued.access_key_id,
        secret: issued.secret_access_key,
        sessionToken: issued.session_token,
      }
      await race(
        round,
        (node) => awsReads(node, session, 'aws-session'),
        awsVerdict('v-session', 'UnrecognizedClientException'),
        () => ok('DELETE', `auth/aws-keys/session/${session.id}`),
      )
    }
  })

  it('after an access key is rotated on the active node, only the new secret signs calls through any node', async () => {
    await ok('POST', 'secretsmanager/secrets/aws-rotated', { secret_string: 'v-rotated' })
    const verdict = awsVerdict('v-rotated', 'UnrecognizedClientException')
    for (let round = 0; round < ROUNDS; round++) {
      const old = await accessKey()
      let next: { id: string; secret: string } | undefined
      await race(
        round,
        (node) => awsReads(node, old, 'aws-rotated'),
        verdict,
        async () => {
          const rotated = await ok('POST', `auth/aws-keys/access-key/${old.id}/rotate`)
          next = { id: rotated.body.data.access_key_id, secret: rotated.body.data.secret_access_key }
          return rotated
        },
      )
      // The new pair is good everywhere from the moment the rotation answered.
      assert.ok(next && next.id !== old.id, 'a new key ID')
      for (const node of cluster.nodes) {
        const replies = await burst(node.address, await awsReads(node, next, 'aws-rotated'))
        assert.ok(
          replies.every((r) => verdict(r) === 'served'),
          `round ${round}, the new key on the ${node.active() ? 'active node' : 'standby'}: ${replies.map((r) => r.status).join(',')} ${JSON.stringify(replies.find((r) => verdict(r) !== 'served')?.body)}`,
        )
      }
    }
  })

  it('after the signer’s entity is disabled on the active node, no signed call through a standby succeeds', async () => {
    await ok('POST', 'secretsmanager/secrets/aws-entity', { secret_string: 'v-entity' })
    for (let round = 0; round < ROUNDS; round++) {
      const key = await accessKey()
      const node = standby()
      const calls = await awsReads(node, key, 'aws-entity')
      // The first call creates the key's entity; the lookup finds it.
      for (const reply of await burst(node.address, calls.slice(0, 2)))
        assert.equal(reply.body?.SecretString, 'v-entity', JSON.stringify(reply.body))
      const found = await ok('POST', 'identity/lookup/entity', {
        alias_name: key.id,
        alias_mount_accessor: awsAccessor,
      })
      await race(
        round,
        (each) => awsReads(each, key, 'aws-entity'),
        awsVerdict('v-entity', 'AccessDeniedException'),
        () => ok('POST', `identity/entity/id/${found.body.data.id}`, { disabled: true }),
      )
    }
  })

  it('after a Secrets Manager secret is force-deleted on the active node, no standby read returns its value', async () => {
    const key = await accessKey()
    for (let round = 0; round < ROUNDS; round++) {
      const name = `forced-${round}`
      await ok('POST', `secretsmanager/secrets/${name}`, { secret_string: `old-${round}` })
      // Through the AWS front door and through the Vault API, both on the standby.
      const reads = async (node: HaNode): Promise<RaceRequest[]> => [
        ...(await awsReads(node, key, name)).slice(0, BURST / 2),
        ...Array.from({ length: BURST / 2 }, () => ({
          method: 'GET',
          path: `secretsmanager/secrets/${name}`,
          token: root,
        })),
      ]
      await race(
        round,
        reads,
        (reply) => {
          if (reply.body?.__type !== undefined || reply.body?.SecretString !== undefined)
            return awsVerdict(`old-${round}`, 'ResourceNotFoundException')(reply)
          if (reply.status === 200)
            return reply.body?.data?.secret_string === `old-${round}` ? 'served' : 'other'
          return reply.status === 404 || reply.status === 400 ? 'refused' : 'other'
        },
        () => ok('DELETE', `secretsmanager/secrets/${name}?force_delete_without_recovery=true`),
      )
    }
  })

  const kvChanges = [
    { what: 'destroyed', change: (name: string) => ok('POST', `secret/destroy/${name}`, { versions: [1] }) },
    { what: 'metadata-deleted', change: (name: string) => ok('DELETE', `secret/metadata/${name}`) },
    { what: 'deleted', change: (name: string) => ok('DELETE', `secret/data/${name}`) },
  ] as const
  for (const { what, change } of kvChanges)
    it(`after a KV secret is ${what} on the active node, no standby read returns the old value`, async () => {
      const { token } = await login(`kv-${what}`, 'reader')
      for (let round = 0; round < ROUNDS; round++) {
        const name = `${what}-${round}`
        await ok('POST', `secret/data/${name}`, { data: { v: `old-${round}` } })
        const reads = () =>
          Array.from({ length: BURST }, (_, i) => ({
            method: 'GET',
            path: `secret/data/${name}`,
            token: i % 2 === 0 ? token : root,
          }))
        await race(
          round,
          reads,
          (reply) =>
            reply.status === 200 && reply.body?.data?.data?.v === `old-${round}`
              ? 'served'
              : reply.status === 404 && reply.body?.data?.data == null
                ? 'refused'
                : 'other',
          () => change(name),
        )
      }
    })
})
