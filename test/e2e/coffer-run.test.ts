// End-to-end: `coffer run` as a real process against a dev server: env mapping, exit codes, masking, leases, -watch.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { withDeadline } from '../helpers/deadline.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { postgresEngine } from '../helpers/pg-engine.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'
import { makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'

const ENTRY = fileURLToPath(new URL('../../src/coffer.ts', import.meta.url))

interface Coffer {
  child: ChildProcess
  output(): { stdout: string; stderr: string }
  /** Resolves with the exit code once the process has ended and its output is read. */
  exited: Promise<number | null>
  waitFor(pattern: RegExp, what: string): Promise<void>
}

describe('coffer run against a dev server', () => {
  let t: TestServer
  let temp: ReturnType<typeof makeTempDir>
  let env: Record<string, string>

  const start = (args: string[], token = t.rootToken): Coffer => {
    const child = spawn(process.execPath, [ENTRY, 'run', ...args], {
      env: { ...env, VAULT_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
    return {
      child,
      output: () => ({ stdout, stderr }),
      exited: withDeadline(exited, `coffer run ${args.join(' ')} exits`),
      async waitFor(pattern, what) {
        await withDeadline(
          (async () => {
            while (!pattern.test(stdout)) await delay(20)
          })(),
          `${what}; output so far:\n${stdout}\n${stderr}`,
        )
      },
    }
  }
  /** The child script: `node -e SCRIPT`. */
  const node = (script: string) => ['--', process.execPath, '-e', script]
  const finish = async (args: string[], token?: string) => {
    const run = start(args, token)
    const code = await run.exited
    return { code, ...run.output() }
  }

  before(async () => {
    t = await startDevServer()
    temp = makeTempDir('coffer-run-')
    env = { PATH: process.env['PATH'] ?? '', HOME: temp.dir, VAULT_ADDR: t.address }
    assert.equal(
      (
        await t.call('POST', 'secret/data/app', {
          body: { data: { password: 'hunter2-pw', 'api-key': 'k-123' } },
        })
      ).status,
      200,
    )
    assert.equal((await t.call('POST', 'sys/mounts/kv1', { body: { type: 'kv' } })).status, 204)
    assert.equal((await t.call('PUT', 'kv1/legacy', { body: { token: 'v1-token' } })).status, 204)
  })
  after(async () => {
    await t?.close()
    temp?.remove()
  })

  it('passes KV v1 and v2 values as variables and the exit code through', async () => {
    const res = await finish([
      '-secret=secret/app#password=DB_PASSWORD',
      '-secret=secret/app=APP',
      '-secret=kv1/legacy#token=LEGACY',
      ...node(
        'const e = process.env; console.log(JSON.stringify([e.DB_PASSWORD, e.APP_PASSWORD, e.APP_API_KEY, e.LEGACY])); process.exit(7)',
      ),
    ])
    assert.equal(res.code, 7, res.stderr)
    assert.deepEqual(JSON.parse(res.stdout), ['hunter2-pw', 'hunter2-pw', 'k-123', 'v1-token'])
  })

  it('exits 128+N when a signal ends the command, and forwards SIGTERM to it', async () => {
    const killed = await finish(node("process.kill(process.pid, 'SIGKILL')"))
    assert.equal(killed.code, 128 + 9)
    const run = start(
      node(
        "process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(3) }); console.log('ready'); setInterval(() => {}, 1000)",
      ),
    )
    await run.waitFor(/ready/, 'the child starts')
    run.child.kill('SIGTERM')
    assert.equal(await run.exited, 3)
    assert.match(run.output().stdout, /child got SIGTERM/)
  })

  it('refuses to start the command when a secret, a field or the permission is missing, without leaking values', async () => {
    const marker = join(temp.dir, 'started')
    const script = node(`require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`)
    const missing = await finish(['-secret=secret/nope#x=X', ...script])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /cannot read secret\/nope: no secret there/)
    const noField = await finish(['-secret=secret/app#nope=X', ...script])
    assert.equal(noField.code, 1)
    assert.match(noField.stderr, /no field "nope" in the secret at secret\/app/)
    assert.ok(!noField.stderr.includes('hunter2-pw'))

    await t.call('PUT', 'sys/policies/acl/only-kv1', {
      body: { policy: 'path "kv1/*" { capabilities = ["read"] }' },
    })
    const limited = await t.call('POST', 'auth/token/create', { body: { policies: ['only-kv1'] } })
    const denied = await finish(['-secret=secret/app#password=X', ...script], limited.body.auth.client_token)
    assert.notEqual(denied.code, 0)
    assert.match(denied.stderr, /permission denied/)
    assert.ok(!denied.stderr.includes('hunter2-pw'))
    assert.equal(existsSync(marker), false, 'the command never ran')

    const notFound = await finish(['-secret=secret/app#password=X', '--', join(temp.dir, 'no-such-program')])
    assert.equal(notFound.code, 127)
    assert.match(notFound.stderr, /cannot start .*ENOENT/)
  })

  it('-mask replaces values in stdout and stderr, also when written in pieces', async () => {
    const res = await finish([
      '-mask',
      '-secret=secret/app=APP',
      ...node(
        [
          'const p = process.env.APP_PASSWORD',
          "process.stderr.write('err ' + p + '\\n')",
          "process.stdout.write('out ' + p.slice(0, 4))",
          "setTimeout(() => { process.stdout.write(p.slice(4) + ' and ' + process.env.APP_API_KEY + ' done\\n') }, 100)",
        ].join(';'),
      ),
    ])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, 'out ***** and ***** done\n')
    assert.match(res.stderr, /^err \*\*\*\*\*$/m)
    assert.ok(!res.stdout.includes('hunter2') && !res.stderr.includes('hunter2'))
  })

  it('reads Secrets Manager secrets through the Vault API (JSON fields or the whole string)', async () => {
    assert.equal(
      (await t.call('POST', 'sys/mounts/secretsmanager', { body: { type: 'secretsmanager' } })).status,
      204,
    )
    for (const [name, value] of [
      ['prod/api', JSON.stringify({ token: 'sm-tok', user: 'svc' })],
      ['prod/plain', 'plain-value'],
    ]) {
      const created = await t.call('POST', `secretsmanager/secrets/${name}`, {
        body: { secret_string: value },
      })
      assert.ok(created.status < 300, JSON.stringify(created.body))
    }
    const res = await finish([
      '-secret=sm:prod/api#token=API_TOKEN',
      '-secret=aws-sm:prod/api=SVC',
      '-secret=sm:prod/plain=PLAIN',
      ...node('const e = process.env; console.log([e.API_TOKEN, e.SVC_USER, e.PLAIN].join(","))'),
    ])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout.trim(), 'sm-tok,svc,plain-value')
  })

  it('-env-file-template renders variables in memory; a missing key stops before the command starts', async () => {
    const file = join(temp.dir, 'app.env.tmpl')
    writeFileSync(
      file,
      '{{ with secret "secret/data/app" -}}\nexport TPL_PASSWORD="{{ .Data.data.password }}"\nTPL_KEY={{ index .Data.data "api-key" }}\n{{ end -}}\n',
    )
    const res = await finish([
      `-env-file-template=${file}`,
      '-secret=kv1/legacy#token=LEGACY',
      '-mask',
      ...node('const e = process.env; console.log([e.TPL_PASSWORD, e.TPL_KEY.length, e.LEGACY].join(","))'),
    ])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout.trim(), '*****,5,*****', 'template values are masked too')
    const before = readdirSync(temp.dir).length
    const broken = join(temp.dir, 'broken.env.tmpl')
    writeFileSync(broken, '{{ with secret "secret/data/app" }}X={{ .Data.data.nope }}{{ end }}\n')
    const missing = await finish([
      `-env-file-template=${broken}`,
      ...node("require('node:fs').writeFileSync('never', 'x')"),
    ])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /map has no entry for key "nope"/)
    assert.equal(readdirSync(temp.dir).length, before + 1, 'nothing written but the template itself')
  })

  it('-watch restarts the command when a value changes', async () => {
    await t.call('POST', 'secret/data/watched', { body: { data: { v: 'one' } } })
    const run = start([
      '-watch',
      '-watch-interval=1s',
      '-secret=secret/watched#v=V',
      ...node(
        "process.on('SIGTERM', () => process.exit(0)); console.log('value=' + process.env.V); setInterval(() => {}, 1000)",
      ),
    ])
    // Each child takes SIGTERM before it prints: the signal the test sends once it has read the print cannot reach
    // a child still starting (on a loaded host it killed one outright, and the run exited 143).
    await run.waitFor(/value=one/, 'the first child prints the first value')
    await t.call('POST', 'secret/data/watched', { body: { data: { v: 'two' } } })
    await run.waitFor(/value=two/, 'a restarted child prints the new value')
    assert.match(run.output().stderr, /secrets changed; restarting the command/)
    run.child.kill('SIGTERM')
    assert.equal(await run.exited, 0)
  })

  it('-watch-signal sends the signal instead of restarting', async () => {
    await t.call('POST', 'secret/data/signalled', { body: { data: { v: 'one' } } })
    const run = start([
      '-watch',
      '-watch-interval=1s',
      '-watch-signal=SIGHUP',
      '-secret=secret/signalled#v=V',
      ...node(
        "process.on('SIGHUP', () => { console.log('got SIGHUP'); process.exit(5) }); console.log('pid=' + process.pid); setInterval(() => {}, 1000)",
      ),
    ])
    await run.waitFor(/pid=/, 'the child starts')
    await t.call('POST', 'secret/data/signalled', { body: { data: { v: 'two' } } })
    assert.equal(await run.exited, 5)
    assert.match(run.output().stdout, /got SIGHUP/)
  })
})

describe('coffer run with dynamic PostgreSQL credentials', async () => {
  const skip = await unmet(POSTGRES)
  let t: TestServer
  let db: TestDatabase
  before(async () => {
    if (skip) return
    t = await startDevServer()
    db = await createTestDatabase()
    await postgresEngine(t.call, db.url, { app: { defaultTtl: '1h', validUntil: true } })
  })
  after(async () => {
    await t?.close()
    await db?.drop()
  })

  it('passes the credentials and revokes the lease (dropping the role) when the command exits', {
    skip,
  }, async () => {
    const child = spawn(
      process.execPath,
      [
        ENTRY,
        'run',
        '-secret=database/creds/app=PG',
        '--',
        process.execPath,
        '-e',
        'console.log(process.env.PG_USERNAME + " " + (process.env.PG_PASSWORD || "").length)',
      ],
      {
        env: { PATH: process.env['PATH'] ?? '', VAULT_ADDR: t.address, VAULT_TOKEN: t.rootToken },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
    const code = await withDeadline(
      new Promise((resolve) => child.once('close', resolve)),
      'coffer run exits',
    )
    assert.equal(code, 0, stderr)
    const [username, passwordLength] = stdout.trim().split(' ')
    assert.ok(username && username !== 'undefined', stdout)
    assert.ok(Number(passwordLength) >= 16)
    const roles = await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])
    assert.equal(roles.rowCount, 0, 'the role is dropped once the lease is revoked')
    const leases = await t.call('LIST', 'sys/leases/lookup/database/creds/app/')
    assert.equal(leases.body?.data?.keys?.length ?? 0, 0, 'no lease is left behind')
  })

  it('revokes the leases an -env-file-template obtained', { skip }, async () => {
    const dir = makeTempDir('coffer-run-pg-')
    try {
      const file = join(dir.dir, 'pg.env.tmpl')
      writeFileSync(file, '{{ with secret "database/creds/app" }}PGU={{ .Data.username }}{{ end }}\n')
      const child = spawn(
        process.execPath,
        [
          ENTRY,
          'run',
          `-env-file-template=${file}`,
          '--',
          process.execPath,
          '-e',
          'console.log(process.env.PGU)',
        ],
        {
          env: { PATH: process.env['PATH'] ?? '', VAULT_ADDR: t.address, VAULT_TOKEN: t.rootToken },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let stdout = ''
      let stderr = ''
      child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
      const code = await withDeadline(
        new Promise((resolve) => child.once('close', resolve)),
        'coffer run exits',
      )
      assert.equal(code, 0, stderr)
      const username = stdout.trim()
      assert.ok(username.length > 0 && username !== 'undefined', stdout)
      assert.equal((await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).rowCount, 0)
    } finally {
      dir.remove()
    }
  })
})
