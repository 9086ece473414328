// Git history and staged-mode scans against real throwaway repositories made with the git binary.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { Rng } from '../../test/helpers/scanner/rng.ts'
import { sample } from '../../test/helpers/scanner/samples.ts'
import { ScanEngine } from './engine.ts'
import { scanGitHistory, scanStaged } from './git.ts'

let repo: string
const r = new Rng(2024)
const leaked = sample('github-pat', r).secret
const onBranch = sample('stripe-secret-key', r).secret
const staged = sample('aws-access-key-id', r).secret

function git(...args: string[]): string {
  return execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Ada Leak',
      GIT_AUTHOR_EMAIL: 'ada@example.org',
      GIT_COMMITTER_NAME: 'Ada Leak',
      GIT_COMMITTER_EMAIL: 'ada@example.org',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: repo,
    },
  })
}

before(() => {
  repo = mkdtempSync(join(tmpdir(), 'coffer-scan-git-'))
  git('init', '-q', '-b', 'main')
  writeFileSync(join(repo, 'README.md'), '# app\n')
  git('add', '.')
  git('commit', '-q', '-m', 'init', '--date', '2024-01-01T10:00:00Z')
  writeFileSync(join(repo, 'config.ts'), `export const a = 1\nexport const token = '${leaked}'\n`)
  git('add', '.')
  git('commit', '-q', '-m', 'add config', '--date', '2024-02-01T10:00:00Z')
  writeFileSync(join(repo, 'config.ts'), 'export const a = 1\nexport const token = process.env.TOKEN\n')
  git('commit', '-q', '-am', 'remove the token', '--date', '2024-03-01T10:00:00Z')
  git('checkout', '-q', '-b', 'feature')
  writeFileSync(join(repo, 'pay.py'), `STRIPE = "${onBranch}"\n`)
  git('add', '.')
  git('commit', '-q', '-m', 'payments', '--date', '2024-04-01T10:00:00Z')
  git('checkout', '-q', 'main')
})
after(() => rmSync(repo, { recursive: true, force: true }))

test('history: a secret removed later is reported with the commit, author and date that added it', async () => {
  const findings = await scanGitHistory(new ScanEngine(), repo)
  const pat = findings.find((f) => f.secret === leaked)
  assert.ok(pat, JSON.stringify(findings.map((f) => f.ruleId)))
  const added = git('log', '--format=%H', '-1', '--grep', 'add config').trim()
  assert.equal(pat.commit, added)
  assert.equal(pat.author, 'Ada Leak')
  assert.equal(pat.email, 'ada@example.org')
  assert.match(pat.date!, /^2024-02-01T10:00:00/)
  assert.equal(pat.path, 'config.ts')
  assert.equal(pat.line, 2)
  assert.equal(pat.ruleId, 'github-pat')
})

test('history: every branch is scanned', async () => {
  const findings = await scanGitHistory(new ScanEngine(), repo)
  const stripe = findings.find((f) => f.secret === onBranch)
  assert.ok(stripe)
  assert.equal(stripe.path, 'pay.py')
  assert.equal(findings.length, 2)
})

test('staged: only what is in the index, with line numbers of the staged file', async () => {
  writeFileSync(join(repo, 'deploy.sh'), `#!/bin/sh\necho deploying\nexport AWS_ACCESS_KEY_ID=${staged}\n`)
  assert.deepEqual(await scanStaged(new ScanEngine(), repo), [])
  git('add', 'deploy.sh')
  const findings = await scanStaged(new ScanEngine(), repo)
  assert.deepEqual(
    findings.map((f) => [f.ruleId, f.path, f.line]),
    [['aws-access-key-id', 'deploy.sh', 3]],
  )
  git('reset', '-q', 'deploy.sh')
})

test('a folder that is not a repository is a clear error', async () => {
  const plain = mkdtempSync(join(tmpdir(), 'coffer-scan-nogit-'))
  try {
    await assert.rejects(scanGitHistory(new ScanEngine(), plain), /git log failed/)
  } finally {
    rmSync(plain, { recursive: true, force: true })
  }
})
