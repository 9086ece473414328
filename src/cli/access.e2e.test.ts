// End-to-end: `coffer access` (who-can, what-can, unused, reviews) against a real dev server on 127.0.0.1.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { describeUnless } from '../../test/helpers/requirements.ts'
import { type RunResult, run } from './test-io.ts'

interface RunningServer {
  address: string
  rootToken: string
  close(): Promise<void>
}

// Imported by URL at run time: the CLI must not depend on server code, only its tests exercise it.
const SERVER_MODULE = new URL('../server/main.ts', import.meta.url)
const skip = existsSync(SERVER_MODULE) ? false : 'server not built yet'

describeUnless(skip, 'coffer access against a dev server', () => {
  let server: RunningServer
  let home: string
  let env: Record<string, string>
  let auditLog: string
  const cli = (args: string[], stdin?: string, extraEnv: Record<string, string> = {}): Promise<RunResult> =>
    run(args, { env: { ...env, ...extraEnv }, homeDir: home, ...(stdin === undefined ? {} : { stdin }) })
  const ok = async (args: string[], stdin?: string, extraEnv: Record<string, string> = {}) => {
    const res = await cli(args, stdin, extraEnv)
    assert.equal(res.code, 0, `coffer ${args.join(' ')} failed:\n${res.stderr}`)
    return res
  }
  const json = async (args: string[]) => JSON.parse((await ok([...args, '-format=json'])).stdout)

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'coffer-e2e-access-'))
    const mod = (await import(SERVER_MODULE.href)) as {
      startServer(o: Record<string, unknown>): Promise<RunningServer>
    }
    server = await mod.startServer({ dev: true, listenAddress: '127.0.0.1:0', dataDir: join(home, 'data') })
    env = { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken }
    auditLog = join(home, 'audit.log')
    await ok(['audit', 'enable', 'file', `file_path=${auditLog}`])
    await ok(
      ['policy', 'write', 'kv-read', '-'],
      'path "secret/data/app/*" { capabilities = ["read", "list"] }',
    )
    await ok(['policy', 'write', 'kv-deny', '-'], 'path "secret/data/app/config" { capabilities = ["deny"] }')
    await ok(
      ['policy', 'write', 'access-no-sudo', '-'],
      'path "sys/access/*" { capabilities = ["read", "update", "list"] }',
    )
    await ok(['auth', 'enable', 'approle'])
    await ok(['write', 'auth/approle/role/web', 'token_policies=kv-read'])
    await ok(['auth', 'enable', 'userpass'])
    await ok([
      'write',
      'auth/userpass/users/mallory',
      'password=placeholder',
      'token_policies=kv-read,kv-deny',
    ])
    await ok(['kv', 'put', 'secret/app/x', 'k=v'])
  })
  after(async () => {
    await server?.close()
    rmSync(home, { recursive: true, force: true })
  })

  test('who-can: the granting rule and its holders, a deny overriding it for one of them', async () => {
    const data = await json(['access', 'who-can', 'secret/data/app/config'])
    assert.equal(data.path, 'secret/data/app/config')
    // Dev mode's own AWS policy grants reads too; this test's policies are the kv-* ones.
    const read = (
      data.capabilities.read as { policy: string; holders: { name: string }[]; overridden: unknown[] }[]
    ).filter((g) => g.policy.startsWith('kv-'))
    assert.deepEqual(
      read.map((g) => [g.policy, g.holders.map((h) => h.name)]),
      [['kv-read', ['web']]],
    )
    assert.equal(read[0]!.overridden.length, 1)
    assert.deepEqual(
      data.capabilities.deny.map((g: { policy: string; holders: { type: string }[] }) => [
        g.policy,
        g.holders.map((h) => h.type),
      ]),
      [['kv-deny', ['userpass_user']]],
    )
    const table = (await ok(['access', 'who-can', 'secret/data/app/config'])).stdout
    assert.match(table, /read\s+kv-read\s+secret\/data\/app\/\*\s+approle_role auth\/approle\/web/)
    assert.match(table, /userpass_user auth\/userpass\/mallory: secret\/data\/app\/config in kv-deny governs/)
  })

  test('what-can: an AppRole role by mount and name', async () => {
    const data = await json(['access', 'what-can', '-type=approle', 'approle/web'])
    assert.equal(data.matches.length, 1)
    assert.deepEqual(data.matches[0].policies, ['default', 'kv-read'])
    const table = (await ok(['access', 'what-can', 'web'])).stdout
    assert.match(table, /secret\/data\/app\/\*\s+read, list\s+kv-read/)
  })

  test('unused: grants exercised by a logged-in role are not listed, the others are', async () => {
    const roleId = (await ok(['read', '-field=role_id', 'auth/approle/role/web/role-id'])).stdout
    const secretId = (await ok(['write', '-f', '-field=secret_id', 'auth/approle/role/web/secret-id'])).stdout
    const login = await ok([
      'write',
      '-field=token',
      'auth/approle/login',
      `role_id=${roleId}`,
      `secret_id=${secretId}`,
    ])
    const token = login.stdout.trim()
    await ok(['kv', 'get', 'secret/app/x'], undefined, { VAULT_TOKEN: token })
    const data = await json(['access', 'unused', '-since=1h'])
    assert.deepEqual(data.files, [auditLog])
    assert.ok(data.scanned > 0)
    const kvRead = data.unused
      .filter((g: { policy: string }) => g.policy === 'kv-read')
      .map((g: { capability: string }) => g.capability)
    assert.deepEqual(kvRead, ['list'])
    assert.match((await ok(['access', 'unused'])).stdout, /Scanned \d+ entries .* grants unused/)
    const bad = await cli(['access', 'unused', '-since=soon'])
    assert.equal(bad.code, 2)
  })

  test('a review: start, decide, close, list and show; the record and the audit log hold it', async () => {
    const id = (
      await ok([
        'access',
        'review',
        'start',
        '-name=Q1',
        '-path=secret/data/app/config',
        '-policy=kv-read',
        '-field=id',
      ])
    ).stdout.trim()
    assert.match(id, /^[0-9a-f-]{36}$/)
    // Decision text in clear in the audit log, as docs/access-review.md shows.
    await ok([
      'write',
      'sys/mounts/sys/tune',
      'audit_non_hmac_request_keys=subject',
      'audit_non_hmac_request_keys=grant',
      'audit_non_hmac_request_keys=decision',
      'audit_non_hmac_request_keys=note',
    ])
    await ok([
      'access',
      'review',
      'decide',
      '-subject=userpass_user auth/userpass/mallory',
      '-grant=kv-read secret/data/app/* read',
      '-decision=revoke',
      '-note=left the team',
      id,
    ])
    const refused = await cli([
      'access',
      'review',
      'decide',
      '-subject=s',
      '-grant=g',
      '-decision=perhaps',
      id,
    ])
    assert.equal(refused.code, 2)
    await ok(['access', 'review', 'close', id])
    assert.equal((await cli(['access', 'review', 'close', id])).code, 2)
    assert.ok((await json(['access', 'review', 'list'])).includes(id))
    const record = await json(['access', 'review', 'show', id])
    assert.equal(record.id, id)
    assert.equal(record.status, 'closed')
    assert.equal(record.reviewer, 'root')
    assert.deepEqual(record.scope, { paths: ['secret/data/app/config'], policies: ['kv-read'] })
    assert.equal(record.decisions.length, 1)
    assert.deepEqual(
      [record.decisions[0].decision, record.decisions[0].note, record.decisions[0].decided_by],
      ['revoke', 'left the team', 'root'],
    )
    assert.deepEqual(
      record.evidence.policies['kv-read'].holders.map((h: { name: string }) => h.name),
      ['web', 'mallory'],
    )
    const table = (await ok(['access', 'review', 'show', id])).stdout
    assert.match(table, /status\s+closed/)
    assert.match(table, /revoke\s+left the team\s+root/)
    const audited = readFileSync(auditLog, 'utf8')
    assert.ok(audited.includes(`"sys/access/reviews/${id}/decide"`))
    assert.ok(audited.includes(`"sys/access/reviews/${id}/close"`))
    assert.ok(audited.includes('"note":"left the team"'))
  })

  test('without sudo on sys/access/* every command is refused', async () => {
    const token = (await ok(['token', 'create', '-policy=access-no-sudo', '-field=token'])).stdout.trim()
    for (const args of [
      ['access', 'who-can', 'secret/data/app/config'],
      ['access', 'what-can', 'web'],
      ['access', 'unused'],
      ['access', 'review', 'list'],
    ]) {
      const res = await cli(args, undefined, { VAULT_TOKEN: token })
      assert.equal(res.code, 2, args.join(' '))
      assert.match(res.stderr, /permission denied/)
    }
  })
})
