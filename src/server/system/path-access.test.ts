// sys/access/* through the pipeline: sudo required, the review record's shape, concurrent decisions, the audit trail.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { InvalidRequestError, NotFoundError, PermissionDeniedError } from '../../sdk/errors.ts'
import { runPipeline } from '../core/handle-request.ts'
import type { LogicalRequest } from '../core/logical-request.ts'
import { request, type TestCore, unsealedCore } from '../core/pipeline/test-helpers.ts'
import { parseSince } from './path-access.ts'

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

describe('sys/access', () => {
  let t: TestCore
  let dir: string
  let auditFile: string
  const call = (operation: LogicalRequest['operation'], path: string, data: Record<string, unknown> = {}) =>
    runPipeline(t.services, request(operation, path, t.rootToken, data))
  const tokenWith = async (policy: string) => {
    await call('update', `sys/policies/acl/${policy}`, {
      policy:
        policy === 'access-sudo'
          ? 'path "sys/access/*" { capabilities = ["create", "read", "update", "list", "sudo"] }'
          : 'path "sys/access/*" { capabilities = ["create", "read", "update", "list"] }',
    })
    const created = await call('update', 'auth/token/create', { policies: [policy], display_name: policy })
    return created!.auth!.client_token
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coffer-access-sys-'))
    auditFile = join(dir, 'audit.log')
    t = await unsealedCore()
    await call('update', 'sys/audit/file', { type: 'file', options: { file_path: auditFile } })
    await call('update', 'sys/policies/acl/kv-read', {
      policy: 'path "secret/data/app/*" { capabilities = ["read", "list"] }',
    })
    await call('update', 'sys/auth/approle', { type: 'approle' })
    await call('update', 'auth/approle/role/web', { token_policies: 'kv-read' })
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('every sys/access path needs sudo: a policy granting the operation alone is refused', async () => {
    const plain = await tokenWith('access-plain')
    const sudo = await tokenWith('access-sudo')
    for (const [operation, path, data] of [
      ['update', 'sys/access/who-can', { path: 'secret/data/app/x' }],
      ['update', 'sys/access/what-can', { identity: 'web' }],
      ['read', 'sys/access/unused', {}],
      ['list', 'sys/access/reviews/', {}],
      ['update', 'sys/access/reviews', { name: 'q1', paths: ['secret/data/app/x'] }],
    ] as const) {
      await assert.rejects(
        runPipeline(t.services, request(operation, path, plain, { ...data })),
        PermissionDeniedError,
        `${operation} ${path} without sudo`,
      )
      await runPipeline(t.services, request(operation, path, sudo, { ...data }))
    }
  })

  it('who-can and what-can answer through the pipeline; bad input is a 400', async () => {
    const who = await call('update', 'sys/access/who-can', { path: 'secret/data/app/x' })
    const read = who!.data!['capabilities'] as Record<
      string,
      { policy: string; holders: { name: string }[] }[]
    >
    assert.deepEqual(
      read['read']!.map((e) => [e.policy, e.holders.map((h) => h.name)]),
      [['kv-read', ['web']]],
    )
    const what = await call('read', 'sys/access/what-can', { identity: 'web', type: 'approle' })
    assert.deepEqual(
      (what!.data!['matches'] as { name: string }[]).map((m) => m.name),
      ['web'],
    )
    await assert.rejects(call('update', 'sys/access/who-can', {}), InvalidRequestError)
    await assert.rejects(call('update', 'sys/access/what-can', { identity: ' ' }), InvalidRequestError)
    await assert.rejects(call('read', 'sys/access/unused', { since: 'yesterday' }), InvalidRequestError)
  })

  it('unused reads the enabled file audit device and counts what it scanned', async () => {
    const answer = await call('read', 'sys/access/unused', { since: '1h' })
    assert.deepEqual(answer!.data!['files'], [auditFile])
    assert.ok((answer!.data!['scanned'] as number) > 0)
    const unused = answer!.data!['unused'] as { policy: string; capability: string }[]
    assert.deepEqual(
      unused.filter((g) => g.policy === 'kv-read').map((g) => g.capability),
      ['read', 'list'],
    )
  })

  it('a review: started with evidence, decided, closed; the record keeps its exact shape', async () => {
    const started = await call('update', 'sys/access/reviews', {
      name: 'Q1 app secrets',
      paths: ['secret/data/app/x'],
      policies: ['KV-Read'],
    })
    const id = started!.data!['id'] as string
    await call('update', `sys/access/reviews/${id}/decide`, {
      subject: 'approle_role auth/approle/web',
      grant: 'kv-read secret/data/app/* read',
      decision: 'Keep',
      note: 'the web tier reads its config',
    })
    await call('update', `sys/access/reviews/${id}/close`)
    const record = (await call('read', `sys/access/reviews/${id}`))!.data!
    assert.deepEqual(Object.keys(record).sort(), [
      'closed_at',
      'decisions',
      'evidence',
      'id',
      'name',
      'reviewer',
      'scope',
      'started_at',
      'status',
    ])
    assert.equal(record['id'], id)
    assert.equal(record['name'], 'Q1 app secrets')
    assert.equal(record['status'], 'closed')
    assert.deepEqual(record['scope'], { paths: ['secret/data/app/x'], policies: ['kv-read'] })
    assert.equal(record['reviewer'], 'root')
    assert.match(record['started_at'] as string, RFC3339)
    assert.match(record['closed_at'] as string, RFC3339)
    const decisions = record['decisions'] as Record<string, unknown>[]
    assert.equal(decisions.length, 1)
    assert.deepEqual(Object.keys(decisions[0]!).sort(), [
      'decided_at',
      'decided_by',
      'decision',
      'grant',
      'note',
      'subject',
    ])
    assert.equal(decisions[0]!['decision'], 'keep')
    assert.equal(decisions[0]!['decided_by'], 'root')
    assert.equal(decisions[0]!['note'], 'the web tier reads its config')
    const evidence = record['evidence'] as {
      who_can: Record<string, Record<string, { policy: string }[]>>
      policies: Record<string, { holders: { name: string }[] }>
    }
    assert.deepEqual(
      evidence.who_can['secret/data/app/x']!['read']!.map((e) => e.policy),
      ['kv-read'],
    )
    assert.deepEqual(
      evidence.policies['kv-read']!.holders.map((h) => h.name),
      ['web'],
    )
    const list = await call('list', 'sys/access/reviews/')
    assert.ok((list!.data!['keys'] as string[]).includes(id))

    // A closed review takes nothing more; unknown reviews are 404s.
    await assert.rejects(
      call('update', `sys/access/reviews/${id}/decide`, { subject: 's', grant: 'g', decision: 'keep' }),
      InvalidRequestError,
    )
    await assert.rejects(call('update', `sys/access/reviews/${id}/close`), InvalidRequestError)
    await assert.rejects(call('update', 'sys/access/reviews/nope/close'), NotFoundError)
    assert.equal(await call('read', 'sys/access/reviews/nope'), undefined)
  })

  it('decisions are validated: subject, grant and a known decision are required', async () => {
    const id = (await call('update', 'sys/access/reviews', { name: 'v', policies: ['kv-read'] }))!.data!['id']
    for (const data of [
      { grant: 'g', decision: 'keep' },
      { subject: 's', decision: 'keep' },
      { subject: 's', grant: 'g', decision: 'maybe' },
    ])
      await assert.rejects(call('update', `sys/access/reviews/${id}/decide`, data), InvalidRequestError)
    await assert.rejects(call('update', 'sys/access/reviews', { name: 'no scope' }), InvalidRequestError)
    await assert.rejects(call('update', 'sys/access/reviews', { paths: ['a'] }), InvalidRequestError)
  })

  it('concurrent decisions all land, and none lands after the close', async () => {
    const id = (await call('update', 'sys/access/reviews', { name: 'race', policies: ['kv-read'] }))!.data![
      'id'
    ]
    const decide = (i: number) =>
      call('update', `sys/access/reviews/${id}/decide`, { subject: `s${i}`, grant: 'g', decision: 'revoke' })
    const first = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => decide(i)))
    assert.ok(first.every((r) => r.status === 'fulfilled'))
    const mixed = await Promise.allSettled([
      ...Array.from({ length: 10 }, (_, i) => decide(100 + i)),
      call('update', `sys/access/reviews/${id}/close`),
      ...Array.from({ length: 10 }, (_, i) => decide(200 + i)),
    ])
    const accepted = mixed
      .slice(0, 10)
      .concat(mixed.slice(11))
      .filter((r) => r.status === 'fulfilled').length
    assert.equal(mixed[10]!.status, 'fulfilled')
    const record = (await call('read', `sys/access/reviews/${id}`))!.data!
    const decisions = record['decisions'] as { subject: string; decided_at: string }[]
    assert.equal(decisions.length, 20 + accepted)
    assert.equal(new Set(decisions.map((d) => d.subject)).size, decisions.length)
    assert.ok(decisions.every((d) => d.decided_at <= (record['closed_at'] as string)))
  })

  it('every review action is in the audit log, with the path it took', () => {
    const lines = readFileSync(auditFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"sys/access/reviews'))
      .map((line) => JSON.parse(line) as { type: string; request: { path: string; operation: string } })
    const paths = new Set(lines.map((l) => l.request.path.replace(/[0-9a-f-]{36}/, ':id')))
    for (const path of [
      'sys/access/reviews',
      'sys/access/reviews/:id/decide',
      'sys/access/reviews/:id/close',
    ])
      assert.ok(paths.has(path), `${path} audited`)
  })

  it('since: RFC 3339 or a duration before now', () => {
    const now = Date.parse('2026-03-01T00:00:00Z')
    assert.equal(parseSince('90d', now), now - 90 * 86_400_000)
    assert.equal(parseSince('2026-01-01T00:00:00Z', now), Date.parse('2026-01-01T00:00:00Z'))
    assert.throws(() => parseSince('', now), InvalidRequestError)
  })
})
