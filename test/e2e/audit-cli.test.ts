// `coffer audit` end to end: enable a file device through the CLI, search its real log, verify it and tampered copies.
import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type RunResult, run } from '../../src/cli/test-io.ts'
import { lineHash } from '../../src/lib/audit-chain/format.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const SECRET = 'correct-horse-battery-staple'

describe('coffer audit against a dev server', () => {
  let t: TestServer
  const dir = mkdtempSync(join(tmpdir(), 'coffer-audit-cli-'))
  const log = join(dir, 'audit.log')
  let env: Record<string, string>
  const cli = (args: string[], token?: string): Promise<RunResult> =>
    run(args, { env: { ...env, ...(token ? { VAULT_TOKEN: token } : {}) }, homeDir: dir })
  const ok = async (args: string[]): Promise<RunResult> => {
    const res = await cli(args)
    assert.equal(res.code, 0, `coffer ${args.join(' ')} exited ${res.code}:\n${res.stdout}${res.stderr}`)
    return res
  }
  const logLines = () => readFileSync(log, 'utf8').split('\n').slice(0, -1)
  /** Verify a tampered copy of the log; returns the exit code and the parsed -format=json result. */
  const verifyCopy = async (name: string, lines: string[], extra: string[] = []) => {
    const copy = join(dir, name)
    writeFileSync(copy, `${lines.join('\n')}\n`)
    const res = await cli(['audit', 'verify', '-format=json', ...extra, copy])
    return { code: res.code, result: JSON.parse(res.stdout), stderr: res.stderr }
  }

  before(async () => {
    t = await startDevServer()
    env = { VAULT_ADDR: t.address, VAULT_TOKEN: t.rootToken }
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('enables a file device with trailing options and lists it', async () => {
    const none = await cli(['audit', 'list'])
    assert.equal(none.code, 2)
    assert.match(none.stdout, /No audit devices are enabled/)
    const enabled = await ok(['audit', 'enable', '-description=primary', 'file', `file_path=${log}`])
    assert.match(enabled.stdout, /Enabled the file audit device at: file\//)
    const list = await ok(['audit', 'list', '-detailed'])
    assert.match(
      list.stdout,
      new RegExp(`file/\\s+file\\s+primary\\s+replicated\\s+map\\[file_path:${log}\\]`),
    )
    const json = JSON.parse((await ok(['audit', 'list', '-format=json'])).stdout)
    assert.equal(json['file/'].options.file_path, log)
  })

  it('records reads, writes and a denial', async () => {
    await ok(['kv', 'put', 'secret/app', `password=${SECRET}`])
    await ok(['kv', 'get', 'secret/app'])
    await ok(['kv', 'put', 'secret/other', 'password=unrelated'])
    await t.call('PUT', 'sys/policies/acl/nothing', {
      body: { policy: 'path "x/*" { capabilities = ["read"] }' },
    })
    const limited = (
      await t.call('POST', 'auth/token/create', { body: { policies: ['nothing'], display_name: 'intruder' } })
    ).body.auth.client_token
    const denied = await cli(['read', 'secret/data/app'], limited)
    assert.equal(denied.code, 2)
    assert.match(denied.stderr, /permission denied/)
    assert.ok(!readFileSync(log, 'utf8').includes(SECRET), 'the secret is never in the log in clear')
  })

  it('searches by path prefix, type and operation', async () => {
    const res = await ok(['audit', 'search', '-path-prefix=secret/data/app', '-type=response', log])
    const rows = res.stdout.trimEnd().split('\n').slice(2)
    // The root token's create and read; secret/other is outside the prefix.
    assert.equal(rows.length, 2, res.stdout)
    assert.match(rows[0]!, /response\s+create\s+secret\/data\/app\s+root\s+127\.0\.0\.1$/)
    assert.match(rows[1]!, /response\s+read\s+secret\/data\/app\s+root\s+127\.0\.0\.1$/)
    const reads = await ok([
      'audit',
      'search',
      '-path-prefix=secret/data/app',
      '-operation=read',
      '-format=json',
      log,
    ])
    const entries = reads.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    assert.ok(entries.length >= 3, reads.stdout) // kv get's request and response, and the denied read
    assert.ok(entries.every((e) => e.request.operation === 'read' && e.request.path === 'secret/data/app'))
    assert.ok(entries.some((e) => e.error === 'permission denied'))
  })

  it('finds who read a secret value, hashed through the device', async () => {
    const res = await ok(['audit', 'search', `-value=${SECRET}`, '-device=file', '-format=json', log])
    const found = res.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
      .map((e) => `${e.type} ${e.request.operation} ${e.request.path} ${e.auth.display_name}`)
    assert.deepEqual(found, [
      'request create secret/data/app root',
      'response create secret/data/app root',
      'response read secret/data/app root',
    ])
    assert.ok(!res.stdout.includes(SECRET))
    const unread = await cli(['audit', 'search', '-value=never-stored-anywhere', '-device=file', log])
    assert.equal(unread.code, 1)
  })

  it('finds the denied request, also by display name and time window', async () => {
    const res = await ok(['audit', 'search', '-denied', log])
    const rows = res.stdout.trimEnd().split('\n').slice(2)
    assert.ok(rows.length >= 1)
    assert.ok(
      rows.every((row) =>
        /read\s+secret\/data\/app\s+token-intruder\s+127\.0\.0\.1\s+permission denied$/.test(row),
      ),
      res.stdout,
    )
    const byName = await ok([
      'audit',
      'search',
      '-display-name=token-intruder',
      '-since=1h',
      '-until=2099-01-01T00:00:00Z',
      log,
    ])
    assert.equal(byName.stdout, res.stdout, 'the intruder did nothing but the denied read')
    const future = await cli(['audit', 'search', '-denied', '-since=2099-01-01T00:00:00Z', log])
    assert.equal(future.code, 1)
  })

  it('a disable and re-enable leave a checkpoint mid-file; the new device hashes with a new salt', async () => {
    // The device's closing checkpoint; re-enabling the same file continues its chain.
    await ok(['audit', 'disable', 'file'])
    await ok(['audit', 'enable', 'file', `file_path=${log}`])
    await ok(['kv', 'get', 'secret/app'])
    assert.ok(readFileSync(log, 'utf8').includes('"type":"checkpoint"'))
    const res = await ok(['audit', 'search', `-value=${SECRET}`, '-device=file', '-format=json', log])
    const found = res.stdout.trimEnd().split('\n')
    assert.equal(found.length, 1, 'only the read after re-enabling carries the new salt’s hash')
    assert.equal(JSON.parse(found[0]!).request.operation, 'read')
  })

  it('verifies the real log against the key the server publishes', async () => {
    const res = await ok(['audit', 'verify', log])
    assert.match(
      res.stdout,
      /^OK: .*: \d+ entries, 1 valid checkpoint \(last at seq \d+\), \d+ entries after the last checkpoint/,
    )
    const json = JSON.parse((await ok(['audit', 'verify', '-format=json', log])).stdout)
    assert.equal(json.ok, true)
    assert.ok(json.unsealedEntries > 0)
  })

  it('names the first problem line and kind for each kind of tampering (exit 2)', async () => {
    const lines = logLines()
    const checkpointAt = lines.findIndex((line) => line.includes('"type":"checkpoint"'))
    assert.ok(checkpointAt > 8, 'enough entries before the checkpoint to tamper with')

    const edited = [...lines]
    edited[2] = edited[2]!.replace('"remote_address":"127.0.0.1"', '"remote_address":"10.9.9.9"')
    assert.notEqual(edited[2], lines[2])
    const cases: [string, string[], string, number][] = [
      ['edited', edited, 'altered', 3],
      ['deleted', lines.filter((_, i) => i !== 4), 'removed', 5],
      [
        // A forged line claiming seq 5's slot, placed before the real one.
        'inserted',
        [
          ...lines.slice(0, 4),
          lines[4]!.replace('"remote_address":"127.0.0.1"', '"remote_address":"6.6.6.6"'),
          ...lines.slice(4),
        ],
        'inserted',
        5,
      ],
      ['swapped', [...lines.slice(0, 3), lines[4]!, lines[3]!, ...lines.slice(5)], 'reordered', 4],
      [
        'forged-checkpoint',
        lines.map((line, i) =>
          i === checkpointAt ? line.replace(/"time":"[^"]+"/, '"time":"2000-01-01T00:00:00Z"') : line,
        ),
        'bad-signature',
        checkpointAt + 1,
      ],
    ]
    for (const [name, copy, kind, line] of cases) {
      const { code, result } = await verifyCopy(`${name}.log`, copy)
      assert.equal(code, 2, name)
      assert.equal(result.ok, false, name)
      assert.deepEqual(
        [result.problems[0].kind, result.problems[0].line],
        [kind, line],
        `${name}: ${JSON.stringify(result.problems)}`,
      )
    }
    const table = await cli(['audit', 'verify', join(dir, 'deleted.log')])
    assert.equal(table.code, 2)
    assert.match(table.stdout, /^TAMPERED: .*deleted\.log line 5: removed: /)
  })

  it('detects lines cut after the last checkpoint only given -head, and tolerates a torn last line', async () => {
    const lines = logLines()
    const checkpointAt = lines.findLastIndex((line) => line.includes('"type":"checkpoint"'))
    assert.ok(checkpointAt < lines.length - 1, 'entries follow the checkpoint')
    const last = lines.at(-1)!
    // The writer's head, as a later rotated file's first line or a copy shipped off the host would give it.
    const head = `${JSON.parse(last).seq}:${lineHash(last)}`
    const cut = lines.slice(0, checkpointAt + 1)
    const blind = await verifyCopy('cut.log', cut)
    assert.equal(blind.code, 0, 'without -head the cut is not detectable (documented)')
    const seen = await verifyCopy('cut.log', cut, [`-head=${head}`])
    assert.equal(seen.code, 2)
    assert.deepEqual(
      [seen.result.problems[0].kind, seen.result.problems[0].line],
      ['truncated-after-checkpoint', checkpointAt + 2],
    )
    assert.equal((await verifyCopy('whole.log', lines, [`-head=${head}`])).code, 0)

    const torn = join(dir, 'torn.log')
    writeFileSync(torn, `${lines.join('\n')}\n`)
    appendFileSync(torn, '{"time":"2026-01-01T00:00:00Z","type":"requ')
    const res = await cli(['audit', 'verify', torn])
    assert.equal(res.code, 0, res.stdout)
    assert.match(res.stdout, /torn-last-line/)
  })

  it('disables the device', async () => {
    await ok(['audit', 'disable', 'file'])
    assert.equal((await cli(['audit', 'list'])).code, 2)
    const final = JSON.parse((await ok(['audit', 'verify', '-format=json', log])).stdout)
    assert.equal(final.checkpoints, 2)
    assert.equal(final.unsealedEntries, 0, 'the closing checkpoint seals the tail')
  })
})
