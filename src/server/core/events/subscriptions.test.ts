// Tests for live subscriptions on an unsealed core: events after the request succeeds, per-event policy checks, and revocation cutting a subscriber off.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { runPipeline } from '../handle-request.ts'
import { request, type TestCore, unsealedCore } from '../pipeline/test-helpers.ts'
import { parseEventFilter } from './event-filter.ts'
import type { SubscriberChannel } from './subscriptions.ts'
import { tokenAccess } from './token-access.ts'

/** A channel that records what reached it, in order, including its close. */
function recorder() {
  const calls: string[] = []
  const channel: SubscriberChannel = {
    send: (text) => calls.push(`send ${JSON.parse(text).data.event.metadata.path}`),
    close: (code, reason) => calls.push(`close ${code} ${reason}`),
  }
  return { calls, channel }
}

describe('event subscriptions in core', () => {
  let t: TestCore
  before(async () => {
    t = await unsealedCore()
  })
  after(() => t.close())

  const write = (path: string, token = t.rootToken) =>
    runPipeline(t.services, request('update', `secret/data/${path}`, token, { data: { v: path } }))

  async function tokenWith(name: string, policy: string): Promise<{ token: string; idHash: string }> {
    await runPipeline(t.services, request('update', `sys/policies/acl/${name}`, t.rootToken, { policy }))
    const created = await runPipeline(
      t.services,
      request('update', 'auth/token/create', t.rootToken, { policies: [name] }),
    )
    const token = created!.auth!.client_token
    return { token, idHash: (await t.services.tokens.lookup(token))!.idHash }
  }

  function open(token: string, idHash: string, eventType = '*', filter?: string) {
    const r = recorder()
    const sub = t.core.subscriptions.open(
      t.services,
      idHash,
      { token, remoteAddress: '127.0.0.1', eventType, filter: parseEventFilter(filter) },
      r.channel,
    )
    return { ...r, sub }
  }

  const setPolicy = (name: string, policy: string) =>
    runPipeline(t.services, request('update', `sys/policies/acl/${name}`, t.rootToken, { policy }))
  const CHANGED = 'close 4001 access changed: resubscribe'

  it('sends what the policy allows, in order, and closes the stream once its policy changed', async () => {
    const policy = 'path "secret/data/team/*" {\n  capabilities = ["read", "subscribe"]\n}'
    const { token, idHash } = await tokenWith('team-events', policy)
    const s = open(token, idHash, 'kv-v2/*')
    await write('team/a')
    await write('other/b')
    await write('team/c')
    await s.sub.settled()
    assert.deepEqual(s.calls, ['send secret/data/team/a', 'send secret/data/team/c'])
    // Read dropped: the client may hold values read under the old policy. Closed before the write answers.
    await setPolicy('team-events', 'path "secret/data/team/*" {\n  capabilities = ["subscribe"]\n}')
    assert.deepEqual(s.calls.slice(2), [CHANGED])
    await write('team/d')
    await s.sub.settled()
    assert.deepEqual(s.calls.slice(2), [CHANGED])
    assert.equal(t.core.subscriptions.size, 0)
  })

  it('closes on a deleted policy, and leaves streams whose policies did not change open', async () => {
    const rule = 'path "secret/data/keep/*" {\n  capabilities = ["read", "subscribe"]\n}'
    const kept = await tokenWith('kept', rule)
    const doomed = await tokenWith('doomed', rule)
    const k = open(kept.token, kept.idHash)
    const d = open(doomed.token, doomed.idHash)
    await Promise.all([k.sub.settled(), d.sub.settled()])
    // Another policy written (and one this token does not hold created): nothing this token acts with changed.
    await setPolicy('unrelated', 'path "secret/data/x" {\n  capabilities = ["read"]\n}')
    await runPipeline(t.services, request('delete', 'sys/policies/acl/doomed', t.rootToken))
    assert.deepEqual(d.calls, [CHANGED])
    await write('keep/a')
    await k.sub.settled()
    assert.deepEqual(k.calls, ['send secret/data/keep/a'])
    k.sub.ended()
  })

  it('closes on an identity change that alters the token policies: a group losing it, an entity disabled', async () => {
    await setPolicy('via-group', 'path "secret/data/*" {\n  capabilities = ["read", "subscribe"]\n}')
    await runPipeline(
      t.services,
      request('update', 'auth/token/roles/svc', t.rootToken, {
        allowed_entity_aliases: ['svc-*'],
        allowed_policies: ['default'],
      }),
    )
    const tokenFor = async (alias: string) => {
      const made = await runPipeline(
        t.services,
        request('update', 'auth/token/create/svc', t.rootToken, {
          entity_alias: alias,
          policies: ['default'],
        }),
      )
      const token = made!.auth!.client_token
      const entry = (await t.services.tokens.lookup(token))!
      return { token, idHash: entry.idHash, entityId: entry.entityId }
    }
    const member = await tokenFor('svc-member')
    const bystander = await tokenFor('svc-bystander')
    const group = await runPipeline(
      t.services,
      request('update', 'identity/group', t.rootToken, {
        name: 'readers',
        policies: ['via-group'],
        member_entity_ids: [member.entityId],
      }),
    )
    const groupId = (group!.data as { id: string }).id
    await setPolicy('via-other', 'path "secret/data/*" {\n  capabilities = ["read", "subscribe"]\n}')
    await runPipeline(
      t.services,
      request('update', 'identity/group', t.rootToken, {
        name: 'others',
        policies: ['via-other'],
        member_entity_ids: [bystander.entityId],
      }),
    )
    const m = open(member.token, member.idHash)
    const b = open(bystander.token, bystander.idHash)
    await Promise.all([m.sub.settled(), b.sub.settled()])
    await write('seen')
    await m.sub.settled()
    await b.sub.settled()
    assert.deepEqual(m.calls, ['send secret/data/seen'])
    assert.deepEqual(b.calls, ['send secret/data/seen'])
    // The member leaves the group; the bystander, never in it, keeps its stream.
    await runPipeline(
      t.services,
      request('update', `identity/group/id/${groupId}`, t.rootToken, { member_entity_ids: [] }),
    )
    assert.deepEqual(m.calls, ['send secret/data/seen', CHANGED])
    await write('seen-again')
    await b.sub.settled()
    assert.deepEqual(b.calls, ['send secret/data/seen', 'send secret/data/seen-again'])
    // Disabling the bystander's entity ends its stream as a revocation does.
    await runPipeline(
      t.services,
      request('update', `identity/entity/id/${bystander.entityId}`, t.rootToken, { disabled: true }),
    )
    assert.deepEqual(b.calls.slice(2), ['close 1008 token entity disabled'])
    assert.equal(t.core.subscriptions.size, 0)
  })

  it('closes a stream whose token access changed between its acceptance and its registration, and only then', async () => {
    const policy = 'path "secret/*" {\n  capabilities = ["read", "subscribe"]\n}'
    const changed = await tokenWith('in-between', policy)
    const unchanged = await tokenWith('untouched', policy)
    const openWith = (token: string, idHash: string, access: string | undefined) => {
      const r = recorder()
      const sub = t.core.subscriptions.open(
        t.services,
        idHash,
        { token, remoteAddress: '127.0.0.1', eventType: '*', filter: parseEventFilter(undefined), access },
        r.channel,
      )
      return { ...r, sub }
    }
    const accessOf = async (token: string) =>
      (await tokenAccess(t.services, (await t.services.tokens.lookup(token))!))?.digest
    // Read as the socket handler does before accepting; the change lands before the stream is registered.
    const before = [await accessOf(changed.token), await accessOf(unchanged.token)]
    await setPolicy('in-between', 'path "secret/*" {\n  capabilities = ["subscribe"]\n}')
    const c = openWith(changed.token, changed.idHash, before[0])
    const u = openWith(unchanged.token, unchanged.idHash, before[1])
    await Promise.all([c.sub.settled(), u.sub.settled()])
    assert.deepEqual(c.calls, [CHANGED])
    await write('still-open')
    await u.sub.settled()
    assert.deepEqual(u.calls, ['send secret/data/still-open'])
    u.sub.ended()
  })

  it('keeps streams open through logins that create other entities, even while they are being opened', async () => {
    await setPolicy('busy', 'path "secret/data/busy/*" {\n  capabilities = ["read", "subscribe"]\n}')
    await runPipeline(
      t.services,
      request('update', 'auth/token/roles/busy', t.rootToken, {
        allowed_entity_aliases: ['busy-*'],
        allowed_policies: ['busy'],
      }),
    )
    const login = async (alias: string) => {
      const made = await runPipeline(
        t.services,
        request('update', 'auth/token/create/busy', t.rootToken, { entity_alias: alias, policies: ['busy'] }),
      )
      const token = made!.auth!.client_token
      return { token, entry: (await t.services.tokens.lookup(token))! }
    }
    // Opened as the socket handler does, each while other new entities are being created.
    const streams = []
    for (let i = 0; i < 5; i++) {
      const { token, entry } = await login(`busy-${i}`)
      const access = (await tokenAccess(t.services, entry))!.digest
      const others = Array.from({ length: 5 }, (_, j) => login(`busy-${i}-${j}`))
      const r = recorder()
      const sub = t.core.subscriptions.open(
        t.services,
        entry.idHash,
        {
          token,
          remoteAddress: '127.0.0.1',
          eventType: '*',
          filter: parseEventFilter(undefined),
          access,
          entityId: entry.entityId,
        },
        r.channel,
      )
      await Promise.all(others)
      streams.push({ ...r, sub })
    }
    await write('busy/a')
    for (const s of streams) {
      await s.sub.settled()
      assert.deepEqual(s.calls, ['send secret/data/busy/a'])
      s.sub.ended()
    }
  })

  it('is closed by the narrowing one of concurrent policy writes, and sends nothing after', async () => {
    const policy = 'path "secret/data/racy/*" {\n  capabilities = ["read", "subscribe"]\n}'
    const { token, idHash } = await tokenWith('racy', policy)
    const s = open(token, idHash)
    await s.sub.settled()
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => write(`racy/${i}`)),
      setPolicy('racy', policy),
      setPolicy('racy-other', policy),
      setPolicy('racy', 'path "secret/data/racy/*" {\n  capabilities = ["subscribe"]\n}'),
      setPolicy('racy', policy.replace('racy/*', 'racy/only')),
    ])
    // Every write answered: the stream was closed before the narrowing one did.
    assert.equal(s.calls.at(-1), CHANGED)
    await write('racy/after')
    await s.sub.settled()
    assert.equal(s.calls.filter((call) => call.startsWith('close')).length, 1)
    assert.equal(s.calls.at(-1), CHANGED)
  })

  it('closes the stream of a token whose entity was merged into the one an edit concerns', async () => {
    await setPolicy('merged-read', 'path "secret/data/merged/*" {\n  capabilities = ["read", "subscribe"]\n}')
    await runPipeline(
      t.services,
      request('update', 'auth/token/roles/mg', t.rootToken, {
        allowed_entity_aliases: ['mg-*'],
        allowed_policies: ['merged-read'],
      }),
    )
    const tokenFor = async (alias: string) => {
      const made = await runPipeline(
        t.services,
        request('update', 'auth/token/create/mg', t.rootToken, {
          entity_alias: alias,
          policies: ['merged-read'],
        }),
      )
      const token = made!.auth!.client_token
      return { token, entry: (await t.services.tokens.lookup(token))! }
    }
    const source = await tokenFor('mg-source')
    const target = await tokenFor('mg-target')
    await runPipeline(
      t.services,
      request('update', 'identity/entity/merge', t.rootToken, {
        from_entity_ids: [source.entry.entityId],
        to_entity_id: target.entry.entityId,
        conflicting_alias_ids_to_keep: [
          (await t.services.identity.entity(target.entry.entityId))!.aliases[0]!.id,
        ],
      }),
    )
    // The source token acts as the target entity now; its stream is scoped by its own (merged-away) entity id.
    const r = recorder()
    const sub = t.core.subscriptions.open(
      t.services,
      source.entry.idHash,
      {
        token: source.token,
        remoteAddress: '127.0.0.1',
        eventType: '*',
        filter: parseEventFilter(undefined),
        access: (await tokenAccess(t.services, source.entry))!.digest,
        entityId: source.entry.entityId,
      },
      r.channel,
    )
    await sub.settled()
    assert.deepEqual(r.calls, [])
    await runPipeline(
      t.services,
      request('update', `identity/entity/id/${target.entry.entityId}`, t.rootToken, {
        policies: ['merged-extra'],
      }),
    )
    assert.deepEqual(r.calls, [CHANGED])
  })

  it('closes a subscription whose token was revoked while it was being opened, without waiting for an event', async () => {
    const { token, idHash } = await tokenWith(
      'opening',
      'path "secret/*" {\n  capabilities = ["read", "subscribe"]\n}',
    )
    // Authorised, then revoked before the stream is registered: the revocation's close found nothing to close.
    await runPipeline(t.services, request('update', 'auth/token/revoke', t.rootToken, { token }))
    const s = open(token, idHash)
    await s.sub.settled()
    assert.deepEqual(s.calls, ['close 1008 token revoked or expired'])
    await write('after-revoke')
    await s.sub.settled()
    assert.deepEqual(s.calls, ['close 1008 token revoked or expired'])
  })

  it('publishes nothing for a refused or failed request', async () => {
    const { token } = await tokenWith(
      'read-only',
      'path "secret/*" {\n  capabilities = ["read", "subscribe"]\n}',
    )
    const s = open(t.rootToken, (await t.services.tokens.lookup(t.rootToken))!.idHash)
    await assert.rejects(write('denied', token))
    await assert.rejects(
      runPipeline(
        t.services,
        request('update', 'secret/data/team/a', t.rootToken, { data: { v: 1 }, options: { cas: 0 } }),
      ),
    )
    await write('ok')
    await s.sub.settled()
    assert.deepEqual(s.calls, ['send secret/data/ok'])
    s.sub.ended()
  })

  it('closes a revoked token at once and sends nothing after, even with writes racing the revocation', async () => {
    const policy = 'path "secret/data/*" {\n  capabilities = ["read", "subscribe"]\n}'
    const { token, idHash } = await tokenWith('racer', policy)
    const s = open(token, idHash)
    const writes = Array.from({ length: 20 }, (_, i) => write(`race/${i}`))
    const revoke = runPipeline(t.services, request('update', 'auth/token/revoke', t.rootToken, { token }))
    await Promise.all([...writes, revoke])
    await s.sub.settled()
    const closedAt = s.calls.findIndex((call) => call.startsWith('close'))
    assert.notEqual(closedAt, -1, 'the subscriber was disconnected')
    // Closed by the revocation hook, or by the per-event lookup that found the token gone first.
    assert.match(s.calls[closedAt]!, /^close 1008 token revoked/)
    assert.equal(closedAt, s.calls.length - 1, 'nothing was sent after the close')
    await write('after-revoke')
    await s.sub.settled()
    assert.equal(closedAt, s.calls.length - 1)
    assert.equal(t.core.subscriptions.size, 0)
  })

  it('closes every subscriber at seal', async () => {
    const s = open(t.rootToken, (await t.services.tokens.lookup(t.rootToken))!.idHash)
    t.core.subscriptions.closeAll('server sealed or no longer active')
    assert.deepEqual(s.calls, ['close 1001 server sealed or no longer active'])
  })
})
