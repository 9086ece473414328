// Issue 7 end to end: `coffer scan -coffer` against a real server's stored secrets, sys/leak/fingerprints, `coffer leak respond`.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type RunResult, run } from '../../src/cli/test-io.ts'
import { ManualClock, startDevServer, type TestServer } from '../helpers/server.ts'

const random = () => `Lk${randomBytes(18).toString('base64url')}`
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')

describe('leaks of Coffer-stored secrets', () => {
  let t: TestServer
  const clock = new ManualClock()
  const dir = mkdtempSync(join(tmpdir(), 'coffer-leak-'))
  const tree = join(dir, 'repo')
  const log = join(dir, 'audit.log')
  const v1 = random()
  const v2 = random()
  const apiKey = random()
  let env: Record<string, string>
  const cli = (args: string[], extra: { token?: string; stdin?: string } = {}): Promise<RunResult> =>
    run(args, {
      env: { ...env, ...(extra.token ? { VAULT_TOKEN: extra.token } : {}) },
      homeDir: dir,
      ...(extra.stdin !== undefined ? { stdin: extra.stdin } : {}),
    })
  const tokenWith = async (policy: string, name: string): Promise<string> => {
    await t.call('PUT', `sys/policies/acl/${name}`, { body: { policy } })
    const res = await t.call('POST', 'auth/token/create', { body: { policies: [name], display_name: name } })
    return res.body.auth.client_token
  }
  const cofferFindings = (stdout: string) =>
    (JSON.parse(stdout).findings as Record<string, unknown>[])
      .filter((f) => f['ruleId'] === 'coffer-secret')
      .map((f) => `${f['path']}:${f['line']} ${f['description']}`)
      .sort()

  before(async () => {
    t = await startDevServer({ clock })
    env = { VAULT_ADDR: t.address, VAULT_TOKEN: t.rootToken }
    assert.equal(
      (await t.call('PUT', 'sys/audit/file', { body: { type: 'file', options: { file_path: log } } })).status,
      204,
    )
    for (const password of [v1, v2])
      await t.call('POST', 'secret/data/prod/db', { body: { data: { password, user: 'app' } } })
    await t.call('POST', 'secret/data/ci/github', {
      body: { data: { api_key: apiKey, note: 'rotated yearly by ops' } },
    })
    // Someone reads the current password before it leaks.
    const reader = await tokenWith('path "secret/data/prod/*" { capabilities = ["read"] }', 'deploy-bot')
    assert.equal((await t.call('GET', 'secret/data/prod/db', { token: reader })).status, 200)
    mkdirSync(tree)
    writeFileSync(join(tree, 'deploy.env'), `HOST=db.internal\nDB_PASSWORD=${v2}\n`)
    writeFileSync(join(tree, 'notes.md'), `# Notes\n\nThe old password was ${v1}.\nNothing else here.\n`)
    writeFileSync(join(tree, 'client.py'), `headers = {"X-Api-Key": "${apiKey}"}\n`)
    // Decoys: near misses of the stored values and unrelated random strings.
    writeFileSync(
      join(tree, 'decoys.txt'),
      [`${v2}x`, v2.slice(1), v1.toUpperCase(), random(), random(), `prefix${apiKey}`].join('\n'),
    )
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('scan -coffer reports exactly the stored current and previous values, naming path, field and version', async () => {
    const res = await cli(['scan', '-coffer', '-format=json', tree])
    assert.equal(res.code, 1, res.stderr)
    assert.deepEqual(cofferFindings(res.stdout), [
      'client.py:1 matches secret/data/ci/github#api_key v1',
      'deploy.env:2 matches secret/data/prod/db#password v2',
      'notes.md:3 matches secret/data/prod/db#password v1',
    ])
    for (const value of [v1, v2, apiKey]) assert.ok(!res.stdout.includes(value), 'values are masked')
    const text = await cli(['scan', '-coffer', join(tree, 'notes.md')])
    assert.match(text.stdout, /notes\.md:3:22 {2}coffer-secret {2}matches secret\/data\/prod\/db#password v1/)
    const sarif = JSON.parse((await cli(['scan', '-coffer', '-format=sarif', tree])).stdout)
    const messages = sarif.runs[0].results.map((r: { message: { text: string } }) => r.message.text)
    assert.ok(messages.some((m: string) => m.startsWith('matches secret/data/prod/db#password v2: ')))
  })

  it('decoys alone match nothing; without -coffer the server is not asked', async () => {
    const res = await cli(['scan', '-coffer', '-format=json', join(tree, 'decoys.txt')])
    assert.deepEqual(cofferFindings(res.stdout), [])
    const offline = await run(['scan', '-format=json', join(tree, 'notes.md')], {
      env: { VAULT_ADDR: 'http://127.0.0.1:1' },
    })
    assert.equal(offline.code, 0, offline.stderr)
  })

  it('git history too: a stored value committed and later removed is still reported with its commit', async () => {
    const repo = join(dir, 'git-repo')
    const gitEnv = {
      ...process.env,
      GIT_AUTHOR_NAME: 'Dev',
      GIT_AUTHOR_EMAIL: 'dev@example.org',
      GIT_COMMITTER_NAME: 'Dev',
      GIT_COMMITTER_EMAIL: 'dev@example.org',
    }
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: gitEnv, stdio: 'pipe' })
    mkdirSync(repo)
    git('init', '-q')
    writeFileSync(join(repo, 'app.cfg'), `db.password ${v1}\n`)
    git('add', 'app.cfg')
    git('commit', '-qm', 'add config')
    writeFileSync(join(repo, 'app.cfg'), 'db.password from-the-vault\n')
    git('commit', '-qam', 'remove the password')
    const res = await cli(['scan', '-coffer', '-git', '-format=json', repo])
    assert.equal(res.code, 1, res.stderr)
    const found = JSON.parse(res.stdout).findings.filter(
      (f: { ruleId: string }) => f.ruleId === 'coffer-secret',
    )
    assert.equal(found.length, 1)
    assert.equal(found[0].description, 'matches secret/data/prod/db#password v1')
    assert.match(found[0].commit, /^[0-9a-f]{40}$/)
  })

  it('stdin works too', async () => {
    const res = await cli(['scan', '-coffer', '-'], { stdin: `login failed for app/${v2}\n` })
    assert.equal(res.code, 1)
    assert.match(res.stdout, /^-:1:\d+ {2}coffer-secret {2}matches secret\/data\/prod\/db#password v2$/m)
  })

  it('sys/leak/fingerprints needs its own capability, and validates its input', async () => {
    const none = await tokenWith('path "secret/*" { capabilities = ["read", "list"] }', 'reader-only')
    const denied = await t.call('POST', 'sys/leak/fingerprints', {
      token: none,
      body: { digests: [sha256(v2)] },
    })
    assert.equal(denied.status, 403)
    const res = await cli(['scan', '-coffer', join(tree, 'notes.md')], { token: none })
    assert.equal(res.code, 2)
    assert.match(res.stderr, /permission denied/)
    const allowed = await tokenWith(
      'path "sys/leak/fingerprints" { capabilities = ["update"] }',
      'leak-scanner',
    )
    const ok = await t.call('POST', 'sys/leak/fingerprints', {
      token: allowed,
      body: { digests: [sha256(v2), sha256('not stored'), sha256(v2)] },
    })
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.body.data.matches, [
      { digest: sha256(v2), path: 'secret/data/prod/db', field: 'password', version: 2 },
    ])
    const tooMany = await t.call('POST', 'sys/leak/fingerprints', {
      body: { digests: Array.from({ length: 10_001 }, (_, i) => sha256(String(i))) },
    })
    // With the listener's default max_json_array_element_count (also 10,000) the body is refused before the
    // endpoint's own cap is reached.
    assert.equal(tooMany.status, 400)
    assert.match(
      tooMany.body.errors[0],
      /^JSON array exceeds allowed element count: .* more than 10000 elements/,
    )
    const plain = await t.call('POST', 'sys/leak/fingerprints', { body: { digests: [v2] } })
    assert.equal(plain.status, 400)
    assert.equal((await t.call('POST', 'sys/leak/fingerprints', { body: {} })).status, 400)
  })

  it('a new version is found once the index is older than 10 s, or at once with refresh', async () => {
    const v3 = random()
    await t.call('POST', 'secret/data/staging/db', { body: { data: { password: v3 } } })
    const ask = (refresh?: boolean) =>
      t.call('POST', 'sys/leak/fingerprints', {
        body: { digests: [sha256(v3)], ...(refresh ? { refresh } : {}) },
      })
    // The index built by the earlier requests is younger than 10 s on the manual clock.
    assert.deepEqual((await ask()).body.data.matches, [])
    assert.equal((await ask(true)).body.data.matches.length, 1)
    await t.call('DELETE', 'secret/data/staging/db')
    clock.advance(11)
    assert.deepEqual((await ask()).body.data.matches, [], 'a deleted version is no longer indexed')
  })

  it('the audit log records the fingerprint requests with HMACd digests and never a value', async () => {
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const requests = lines.filter((e) => e.type === 'request' && e.request?.path === 'sys/leak/fingerprints')
    assert.ok(requests.length >= 3)
    for (const e of requests) {
      if (!Array.isArray(e.request.data?.digests)) continue
      assert.ok(e.request.data.digests.every((d: string) => d.startsWith('hmac-sha256:')))
    }
    const responses = lines.filter(
      (e) =>
        e.type === 'response' &&
        e.request?.path === 'sys/leak/fingerprints' &&
        e.response?.data?.matches?.length,
    )
    assert.ok(responses.length >= 1)
    const match = responses[0].response.data.matches[0]
    assert.match(match.path, /^hmac-sha256:/)
    // Numbers in audited data are HMAC'd like strings (see docs/audit.md), so even a version number is not in clear.
    assert.match(match.version, /^hmac-sha256:/)
    const raw = readFileSync(log, 'utf8')
    for (const value of [v1, v2, apiKey, sha256(v2)]) assert.ok(!raw.includes(value))
  })

  it('leak respond -dry-run reports and changes nothing', async () => {
    const res = await cli([
      'leak',
      'respond',
      '-dry-run',
      `-audit-log=${log}`,
      '-audit-device=file',
      'secret/data/prod/db#password',
    ])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /\[dry run\] Leaked: secret\/data\/prod\/db \(version 2\), field\(s\) password/)
    assert.match(res.stdout, /Would write a new version/)
    const now = await t.call('GET', 'secret/data/prod/db')
    assert.equal(now.body.data.metadata.version, 2)
    assert.equal(now.body.data.data.password, v2)
  })

  it('leak respond writes v3 with a fresh value, keeps other fields and lists who read the leaked one', async () => {
    const res = await cli([
      'leak',
      'respond',
      `-audit-log=${log}`,
      '-audit-device=file',
      'secret/prod/db#password',
    ])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /Rotated: wrote version 3 of secret\/data\/prod\/db/)
    const now = (await t.call('GET', 'secret/data/prod/db')).body.data
    assert.equal(now.metadata.version, 3)
    assert.notEqual(now.data.password, v2)
    assert.equal(now.data.password.length, v2.length)
    assert.equal(now.data.user, 'app')
    const table = res.stdout.slice(res.stdout.indexOf('Who saw the leaked value'))
    const rows = table.trimEnd().split('\n').slice(3)
    // The root token wrote it and deploy-bot read it; this command's own read is left out (the dry run's,
    // a separate command, shows as a read by root).
    assert.ok(
      rows.some((r) => /read\s+secret\/data\/prod\/db\s+token-deploy-bot\s+127\.0\.0\.1/.test(r)),
      table,
    )
    assert.ok(
      rows.some((r) => /(create|update)\s+secret\/data\/prod\/db\s+root/.test(r)),
      table,
    )
    for (const value of [v2, now.data.password]) assert.ok(!res.stdout.includes(value))
    // The old value is no longer current but is still a kept version: the scanner still names it as v2.
    clock.advance(11)
    const scan = await cli(['scan', '-coffer', '-format=json', join(tree, 'deploy.env')])
    assert.deepEqual(cofferFindings(scan.stdout), ['deploy.env:2 matches secret/data/prod/db#password v2'])
  })

  it('leak respond refuses bad input clearly', async () => {
    const noField = await cli(['leak', 'respond', 'secret/prod/db#nope'])
    assert.equal(noField.code, 1)
    assert.match(noField.stderr, /no string field "nope"/)
    const noDevice = await cli(['leak', 'respond', `-audit-log=${log}`, 'secret/prod/db'])
    assert.equal(noDevice.code, 1)
    assert.match(noDevice.stderr, /-audit-device/)
    const missing = await cli(['leak', 'respond', 'secret/prod/none#password'])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /no secret at secret\/data\/prod\/none/)
  })
})
