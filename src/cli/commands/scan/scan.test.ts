// `coffer scan` end to end through the CLI: formats, exit codes, stdin, config, baseline, hook, self-scan.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Rng } from '../../../../test/helpers/scanner/rng.ts'
import { sample } from '../../../../test/helpers/scanner/samples.ts'
import { sarifProblems } from '../../../../test/helpers/scanner/sarif-check.ts'
import { run } from '../../test-io.ts'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
let dir: string
const r = new Rng(99)
const gh = sample('github-pat', r).secret
const slack = sample('slack-bot-token', r).secret

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'coffer-scan-cli-'))
  mkdirSync(join(dir, 'src'))
  mkdirSync(join(dir, 'build'))
  writeFileSync(join(dir, 'src/app.ts'), `const a = 1\nconst token = '${gh}'\n`)
  writeFileSync(join(dir, 'build/out.js'), `var t = "${slack}"\n`)
  writeFileSync(join(dir, '.gitignore'), 'build/\n')
  writeFileSync(join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))
})
after(() => rmSync(dir, { recursive: true, force: true }))

test('text report masks the secret, respects .gitignore and exits 1', async () => {
  const res = await run(['scan', dir])
  assert.equal(res.code, 1, res.stderr)
  assert.match(res.stdout, /src\/app\.ts:2:16 {2}github-pat/)
  assert.ok(!res.stdout.includes(gh), 'the secret is never printed')
  assert.ok(!res.stdout.includes('build/out.js'))
  const all = await run(['scan', '-no-gitignore', dir])
  assert.match(all.stdout, /build\/out\.js:1:10 {2}slack-bot-token/)
  assert.ok(!all.stdout.includes(slack))
})

test('nothing found exits 0', async () => {
  const clean = mkdtempSync(join(tmpdir(), 'coffer-scan-clean-'))
  writeFileSync(join(clean, 'a.ts'), 'const password = process.env.PASSWORD\n')
  const res = await run(['scan', clean])
  rmSync(clean, { recursive: true, force: true })
  assert.equal(res.code, 0)
  assert.equal(res.stdout, 'No secrets found.\n')
})

test('stdin with "-" and JSON output without the secret', async () => {
  const res = await run(['scan', '-format=json', '-'], { stdin: `deploy with ${gh}\n` })
  assert.equal(res.code, 1)
  const doc = JSON.parse(res.stdout) as { count: number; findings: Record<string, unknown>[] }
  assert.equal(doc.count, 1)
  assert.equal(doc.findings[0]!['path'], '-')
  assert.equal(doc.findings[0]!['ruleId'], 'github-pat')
  assert.equal(doc.findings[0]!['secret'], undefined)
  assert.ok(!res.stdout.includes(gh))
})

test('SARIF 2.1.0 passes the structural check; a broken log does not', async () => {
  const res = await run(['scan', '-format=sarif', '-no-gitignore', dir])
  const doc = JSON.parse(res.stdout) as { runs: { results: unknown[] }[] }
  assert.deepEqual(sarifProblems(doc), [])
  assert.equal(doc.runs[0]!.results.length, 2)
  assert.ok(!res.stdout.includes(gh) && !res.stdout.includes(slack))
  const broken = structuredClone(doc) as unknown as {
    version: string
    runs: { results: { ruleIndex: number }[] }[]
  }
  broken.version = '2.0.0'
  broken.runs[0]!.results[0]!.ruleIndex = 7
  assert.equal(sarifProblems(broken).length, 2)
})

test('config file: excluded paths, disabled rules and allowed regexes', async () => {
  const config = join(dir, 'scan-config.json')
  writeFileSync(config, JSON.stringify({ paths: ['src/'] }))
  assert.equal((await run(['scan', '-config', config, dir])).code, 0)
  writeFileSync(config, JSON.stringify({ rules: ['github-pat', 'generic-secret'] }))
  assert.equal((await run(['scan', '-config', config, dir])).code, 0)
  writeFileSync(config, JSON.stringify({ regexes: [`^${gh.slice(0, 10)}`] }))
  assert.equal((await run(['scan', '-config', config, dir])).code, 0)
  writeFileSync(config, JSON.stringify({ rulez: [] }))
  const bad = await run(['scan', '-config', config, dir])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /unknown key "rulez"/)
})

test('baseline: written once, then only new findings fail', async () => {
  const baseline = join(dir, 'baseline.json')
  const wrote = await run(['scan', '-write-baseline', baseline, dir])
  assert.equal(wrote.code, 0)
  assert.ok(!readFileSync(baseline, 'utf8').includes(gh), 'the baseline stores fingerprints, not secrets')
  assert.equal((await run(['scan', '-baseline', baseline, dir])).code, 0)
  const fresh = sample('github-pat', r).secret
  writeFileSync(join(dir, 'src/new.ts'), `export const t = '${fresh}'\n`)
  const res = await run(['scan', '-baseline', baseline, dir])
  rmSync(join(dir, 'src/new.ts'))
  assert.equal(res.code, 1)
  assert.match(res.stdout, /src\/new\.ts:1/)
  assert.ok(!res.stdout.includes('src/app.ts'))
})

test('usage errors: unknown format, -git with stdin, missing path', async () => {
  assert.equal((await run(['scan', '-format=xml', dir])).code, 1)
  assert.equal((await run(['scan', '-git', '-'])).code, 1)
  const missing = await run(['scan', join(dir, 'nope')])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /cannot read .*ENOENT/)
})

test('install-hook writes an executable pre-commit hook that blocks a staged secret', async () => {
  const repo = mkdtempSync(join(tmpdir(), 'coffer-scan-hook-'))
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'T',
    GIT_AUTHOR_EMAIL: 't@e.org',
    GIT_COMMITTER_NAME: 'T',
    GIT_COMMITTER_EMAIL: 't@e.org',
  }
  try {
    execFileSync('git', ['init', '-q'], { cwd: repo })
    const res = await run(['scan', 'install-hook', repo])
    assert.equal(res.code, 0, res.stderr)
    const hook = join(repo, '.git/hooks/pre-commit')
    assert.ok(statSync(hook).mode & 0o100)
    writeFileSync(join(repo, 'a.ts'), `const t = '${gh}'\n`)
    execFileSync('git', ['add', 'a.ts'], { cwd: repo })
    assert.throws(() => execFileSync('git', ['commit', '-qm', 'leak'], { cwd: repo, env, stdio: 'pipe' }))
    writeFileSync(join(repo, 'a.ts'), 'const t = process.env.T\n')
    execFileSync('git', ['add', 'a.ts'], { cwd: repo })
    execFileSync('git', ['commit', '-qm', 'clean'], { cwd: repo, env, stdio: 'pipe' })
    writeFileSync(hook, '#!/bin/sh\necho mine\n')
    assert.equal((await run(['scan', 'install-hook', repo])).code, 2)
    assert.equal((await run(['scan', 'install-hook', '-force', repo])).code, 0)
  } finally {
    rmSync(repo, { recursive: true, force: true })
  }
})

test("the project's own src/ and docs/ scan clean", async () => {
  const res = await run([
    'scan',
    '-config',
    join(ROOT, '.coffer-scan.json'),
    join(ROOT, 'src'),
    join(ROOT, 'docs'),
  ])
  assert.equal(res.stdout, 'No secrets found.\n')
  assert.equal(res.code, 0)
})
