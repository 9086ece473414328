// `coffer access ...` against a scripted server: the requests each command sends and how answers print.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fakeServer, type Handler, run } from './test-io.ts'

let handler: Handler = () => ({ status: 404, body: { errors: [] } })
let server: Awaited<ReturnType<typeof fakeServer>>
let dir: string
const cli = (args: string[]) =>
  run(args, { env: { VAULT_ADDR: server.address, VAULT_TOKEN: '<token>' }, homeDir: dir })

before(async () => {
  server = await fakeServer((req) => handler(req))
  dir = mkdtempSync(join(tmpdir(), 'coffer-access-cli-'))
})
after(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

function reset(data: Record<string, unknown>): void {
  server.seen.length = 0
  handler = () => ({ status: 200, body: { data } })
}

const ID = '0f8c7a52-3a8e-4c1e-9a55-2f4d7d0c9b11'

describe('coffer access', () => {
  test('who-can posts the path and prints capability, policy, rule path and holders; overrides below', async () => {
    reset({
      path: 'secret/data/app/config',
      capabilities: {
        read: [
          {
            policy: 'kv-read',
            pattern: 'secret/data/app/*',
            rule: '',
            holders: [{ type: 'approle_role', mount: 'auth/approle/', name: 'web' }],
            overridden: [
              {
                holder: { type: 'userpass_user', mount: 'auth/userpass/', name: 'ana' },
                by: { pattern: 'secret/data/app/config', policies: ['kv-deny'], capabilities: ['deny'] },
              },
            ],
          },
        ],
        deny: [
          { policy: 'kv-deny', pattern: 'secret/data/app/config', rule: '', holders: [], overridden: [] },
        ],
      },
    })
    const res = await cli(['access', 'who-can', 'secret/data/app/config'])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(server.seen[0]?.method, 'PUT')
    assert.equal(server.seen[0]?.path, 'sys/access/who-can')
    assert.deepEqual(server.seen[0]?.body, { path: 'secret/data/app/config' })
    assert.match(res.stdout, /read\s+kv-read\s+secret\/data\/app\/\*\s+approle_role auth\/approle\/web/)
    assert.match(res.stdout, /deny\s+kv-deny\s+secret\/data\/app\/config\s+\(no holder\)/)
    assert.match(
      res.stdout,
      /read of kv-read \(secret\/data\/app\/\*\) for userpass_user auth\/userpass\/ana/,
    )
  })

  test('what-can sends the identity and -type; unused sends -since; both print JSON with -format', async () => {
    reset({ identity: 'web', matches: [] })
    const what = await cli(['access', 'what-can', '-type=approle', 'web'])
    assert.equal(what.code, 0, what.stderr)
    assert.deepEqual(server.seen[0]?.body, { identity: 'web', type: 'approle' })
    assert.match(what.stdout, /No identity matches "web"/)
    reset({ since: 'x', files: [], lines: 0, scanned: 0, grants: 3, used: 0, unused: [] })
    const unused = await cli(['access', 'unused', '-since=30d', '-format=json'])
    assert.equal(unused.code, 0, unused.stderr)
    assert.equal(server.seen[0]?.path, 'sys/access/unused')
    assert.deepEqual(server.seen[0]?.body, { since: '30d' })
    assert.equal(JSON.parse(unused.stdout).grants, 3)
  })

  test('review start sends name and the repeated scope flags; -name is required', async () => {
    reset({ id: ID })
    const res = await cli(['access', 'review', 'start', '-name=Q1', '-path=a/b', '-path=c', '-policy=p'])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(server.seen[0]?.path, 'sys/access/reviews')
    assert.deepEqual(server.seen[0]?.body, { name: 'Q1', paths: ['a/b', 'c'], policies: ['p'] })
    assert.match(res.stdout, new RegExp(`Started access review ${ID}`))
    server.seen.length = 0
    assert.equal((await cli(['access', 'review', 'start', '-path=a'])).code, 1)
    assert.equal(server.seen.length, 0)
  })

  test('review decide, close and show address the review by ID', async () => {
    reset({})
    await cli(['access', 'review', 'decide', '-subject=s', '-grant=g', '-decision=keep', '-note=n', ID])
    assert.equal(server.seen[0]?.path, `sys/access/reviews/${ID}/decide`)
    assert.deepEqual(server.seen[0]?.body, { subject: 's', grant: 'g', decision: 'keep', note: 'n' })
    await cli(['access', 'review', 'close', ID])
    assert.equal(server.seen[1]?.path, `sys/access/reviews/${ID}/close`)
    reset({
      id: ID,
      name: 'Q1',
      status: 'open',
      scope: { paths: ['a'], policies: [] },
      reviewer: 'root',
      started_at: '2026-01-01T00:00:00Z',
      closed_at: null,
      decisions: [],
      evidence: {},
    })
    const shown = await cli(['access', 'review', 'show', ID])
    assert.equal(shown.code, 0, shown.stderr)
    assert.equal(server.seen[0]?.method, 'GET')
    assert.match(shown.stdout, /status\s+open/)
    assert.match(shown.stdout, /No decisions yet/)
    assert.equal((await cli(['access', 'review', 'show', 'a/b'])).code, 1)
  })
})
