// Access review analysis in process: who-can, what-can and unused over known policies, roles, entities and groups.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runPipeline } from '../handle-request.ts'
import { request, type TestCore, unsealedCore } from '../pipeline/test-helpers.ts'
import type { HolderRef } from './holders.ts'
import { unusedGrants } from './unused.ts'
import { whatCan } from './what-can.ts'
import { whoCan } from './who-can.ts'

const POLICIES: Record<string, string> = {
  'kv-read': 'path "secret/data/app/*" { capabilities = ["read", "list"] }',
  'kv-admin': 'path "secret/data/+/config" { capabilities = ["create", "read", "update", "delete"] }',
  'kv-deny': 'path "secret/data/app/config" { capabilities = ["deny"] }',
}

describe('access review analysis', () => {
  let t: TestCore
  let dir: string
  let alice: string
  let readers: string
  let staff: string
  let auditors: string
  const write = async (path: string, data: Record<string, unknown>) =>
    runPipeline(t.services, request('update', path, t.rootToken, data))

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coffer-access-'))
    t = await unsealedCore()
    for (const [name, policy] of Object.entries(POLICIES)) await write(`sys/policies/acl/${name}`, { policy })
    await write('sys/auth/approle', { type: 'approle' })
    await write('sys/auth/userpass', { type: 'userpass' })
    await write('auth/approle/role/web', { token_policies: 'kv-read' })
    await write('auth/approle/role/ops', { token_policies: 'kv-read,kv-admin' })
    await write('auth/userpass/users/mallory', {
      password: 'placeholder-pass',
      token_policies: 'kv-admin,kv-deny',
    })
    await write('auth/token/roles/ci', { allowed_policies: 'kv-admin', token_no_default_policy: true })
    alice = (await write('identity/entity', { name: 'alice' }))!.data!['id'] as string
    readers = (await write('identity/group', {
      name: 'readers',
      policies: 'kv-read',
      member_entity_ids: [alice],
    }))!.data!['id'] as string
    staff = (await write('identity/group', {
      name: 'staff',
      policies: 'kv-admin',
      member_group_ids: [readers],
    }))!.data!['id'] as string
    auditors = (await write('identity/group', { name: 'auditors', policies: 'kv-deny' }))!.data![
      'id'
    ] as string
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('who-can names each capability, the rule granting it and its holders; deny and priority as authorisation', async () => {
    const ops: HolderRef = { type: 'approle_role', name: 'ops', mount: 'auth/approle/' }
    const web: HolderRef = { type: 'approle_role', name: 'web', mount: 'auth/approle/' }
    const aliceRef: HolderRef = { type: 'entity', name: 'alice', id: alice }
    const readersRef: HolderRef = { type: 'group', name: 'readers', id: readers }
    const staffRef: HolderRef = { type: 'group', name: 'staff', id: staff }
    const auditorsRef: HolderRef = { type: 'group', name: 'auditors', id: auditors }
    const ci: HolderRef = { type: 'token_role', name: 'ci', mount: 'auth/token/' }
    const mallory: HolderRef = { type: 'userpass_user', name: 'mallory', mount: 'auth/userpass/' }
    // The prefix rule of kv-read outranks kv-admin's '+' rule (its first wildcard comes later), and the exact
    // deny of kv-deny outranks both: holders of kv-admin alongside those lose its grant.
    const byPrefix = { pattern: 'secret/data/app/*', policies: ['kv-read'], capabilities: ['list', 'read'] }
    const byDeny = { pattern: 'secret/data/app/config', policies: ['kv-deny'], capabilities: ['deny'] }
    const admin = {
      policy: 'kv-admin',
      pattern: 'secret/data/+/config',
      rule: 'path "secret/data/+/config" {\n  capabilities = ["create", "read", "update", "delete"]\n}',
      holders: [staffRef, ci],
      overridden: [
        { holder: ops, by: byPrefix },
        { holder: aliceRef, by: byPrefix },
        { holder: readersRef, by: byPrefix },
        { holder: mallory, by: byDeny },
      ],
    }
    const read = {
      policy: 'kv-read',
      pattern: 'secret/data/app/*',
      rule: 'path "secret/data/app/*" {\n  capabilities = ["read", "list"]\n}',
      holders: [ops, web, aliceRef, readersRef],
      overridden: [],
    }
    const answer = await whoCan(t.services, '/secret/data/app/config')
    assert.deepEqual(answer, {
      path: 'secret/data/app/config',
      capabilities: {
        create: [admin],
        read: [admin, read],
        update: [admin],
        delete: [admin],
        list: [read],
        sudo: [],
        patch: [],
        deny: [
          {
            policy: 'kv-deny',
            pattern: 'secret/data/app/config',
            rule: 'path "secret/data/app/config" {\n  capabilities = ["deny"]\n}',
            holders: [auditorsRef, mallory],
            overridden: [],
          },
        ],
      },
    })
  })

  it("who-can on another app's config: the '+' rule governs, nothing overrides it", async () => {
    const answer = await whoCan(t.services, 'secret/data/billing/config')
    assert.deepEqual(
      answer.capabilities.update.map((e) => [e.policy, e.holders.map((h) => h.name), e.overridden.length]),
      [['kv-admin', ['ops', 'alice', 'readers', 'staff', 'ci', 'mallory'], 0]],
    )
    assert.deepEqual(answer.capabilities.read.length, 1)
    assert.deepEqual(answer.capabilities.deny, [])
  })

  it('what-can: an entity with policies through nested groups, rule by rule', async () => {
    const answer = await whatCan(t.services, 'alice')
    assert.equal(answer.matches.length, 1)
    const match = answer.matches[0]!
    assert.equal(match.type, 'entity')
    assert.equal(match.id, alice)
    assert.deepEqual(match.policies, ['kv-admin', 'kv-read'])
    assert.deepEqual(match.via, { 'kv-admin': ['group/staff'], 'kv-read': ['group/readers'] })
    assert.deepEqual(
      match.grants.map((g) => [g.policy, g.pattern, g.capabilities]),
      [
        ['kv-admin', 'secret/data/+/config', ['create', 'read', 'update', 'delete']],
        ['kv-read', 'secret/data/app/*', ['read', 'list']],
      ],
    )
  })

  it('what-can: an AppRole role, a token accessor, and a type that narrows the match', async () => {
    const role = await whatCan(t.services, 'approle/ops')
    assert.deepEqual(
      role.matches.map((m) => [m.type, m.mount, m.name, m.policies]),
      [['approle_role', 'auth/approle/', 'ops', ['default', 'kv-admin', 'kv-read']]],
    )
    const paths = role.matches[0]!.paths.filter((p) => p.pattern.startsWith('secret/'))
    assert.deepEqual(paths, [
      {
        pattern: 'secret/data/+/config',
        capabilities: ['create', 'read', 'update', 'delete'],
        policies: ['kv-admin'],
      },
      { pattern: 'secret/data/app/*', capabilities: ['read', 'list'], policies: ['kv-read'] },
    ])
    const created = await write('auth/token/create', { policies: ['kv-deny'], display_name: 'batch-job' })
    const accessor = created!.auth!.accessor
    const token = await whatCan(t.services, accessor)
    assert.deepEqual(
      token.matches.map((m) => [m.type, m.id, m.policies]),
      [['token', accessor, ['default', 'kv-deny']]],
    )
    assert.deepEqual(
      (await whatCan(t.services, 'readers', 'group')).matches.map((m) => m.type),
      ['group'],
    )
    assert.deepEqual((await whatCan(t.services, 'readers', 'entity')).matches, [])
    assert.deepEqual((await whatCan(t.services, 'nobody')).matches, [])
    // `token` means tokens (by accessor), not token roles.
    assert.deepEqual((await whatCan(t.services, 'ci', 'token')).matches, [])
    assert.deepEqual(
      (await whatCan(t.services, 'ci', 'token_role')).matches.map((m) => [m.type, m.policies]),
      [['token_role', ['kv-admin']]],
    )
  })

  it('unused: streams the log and reports grants no allowed request in the window exercised', async () => {
    const now = Date.parse('2026-03-01T00:00:00Z')
    const since = now - 90 * 86_400_000
    const at = (ms: number) => new Date(ms).toISOString()
    const line = (o: Record<string, unknown>) => `${JSON.stringify(o)}\n`
    const response = (
      policies: string[],
      path: string,
      operation: string,
      extra: Record<string, unknown> = {},
    ) =>
      line({
        time: at(now - 1000),
        type: 'response',
        auth: { policies, entity_id: '' },
        request: { operation, path },
        ...extra,
      })
    let text = ''
    // Many reads through kv-read's rule, so the file is larger than one stream chunk.
    for (let i = 0; i < 5000; i++)
      text += response(['default', 'kv-read'], `secret/data/app/item-${i}`, 'read')
    // kv-admin's update on another app: its '+' rule grants it.
    text += response(['default', 'kv-admin'], 'secret/data/billing/config', 'update')
    // Refused, too old, a request entry, root and garbage: none exercises a grant.
    text += response(['default', 'kv-admin'], 'secret/data/billing/config', 'delete', {
      error: '1 error occurred:\n\t* permission denied\n\n',
    })
    text += line({
      time: at(since - 1000),
      type: 'response',
      auth: { policies: ['kv-read'] },
      request: { operation: 'list', path: 'secret/data/app/' },
    })
    text += line({
      time: at(now - 1),
      type: 'request',
      auth: { policies: ['kv-read'] },
      request: { operation: 'list', path: 'secret/data/app/' },
    })
    text += response(['root'], 'secret/data/app/config', 'delete')
    text += 'not json\n'
    const file = join(dir, 'audit.log')
    writeFileSync(file, text)
    const answer = await unusedGrants(t.services, [file, join(dir, 'missing.log')], since)
    assert.equal(answer.files.length, 1)
    assert.equal(answer.lines, 5006)
    // Response entries in the window: the reads, the update, the refusal and root's.
    assert.equal(answer.scanned, 5003)
    const ours = answer.unused
      .filter((g) => g.policy.startsWith('kv-'))
      .map((g) => `${g.policy} ${g.capability}`)
    assert.deepEqual(ours, ['kv-admin create', 'kv-admin read', 'kv-admin delete', 'kv-read list'])
    assert.equal(answer.used, 2)
    assert.ok(answer.unused.some((g) => g.policy === 'default' && g.pattern === 'auth/token/lookup-self'))
  })
})
