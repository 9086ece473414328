// Worker-thread scans report exactly what a one-thread scan reports, in the same order, with the same counts.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { Rng } from '../../test/helpers/scanner/rng.ts'
import { sample } from '../../test/helpers/scanner/samples.ts'
import { POOL_THRESHOLD, runScan } from './scan.ts'

let dir: string
const r = new Rng(7)
const secrets: string[] = []

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'coffer-scan-pool-'))
  // Enough files for many batches, secrets spread over them, two on one line, a binary and a tiny file.
  for (let i = 0; i < 300; i++) {
    const sub = join(dir, `pkg${i % 7}`)
    mkdirSync(sub, { recursive: true })
    const lines = Array.from({ length: 200 }, (_, n) => `const value${n} = compute(${n}) // token handling`)
    if (i % 9 === 0) {
      const a = sample('github-pat', r).secret
      const b = sample('stripe-secret-key', r).secret
      secrets.push(a, b)
      lines.splice(i % 150, 0, `const token = '${a}', other = '${b}'`)
    }
    writeFileSync(join(sub, `file${i}.ts`), lines.join('\n'))
  }
  writeFileSync(join(dir, 'pkg0/blob.dat'), Buffer.from([1, 2, 0, 3]))
  writeFileSync(join(dir, 'pkg1/tiny.ts'), 'x')
  writeFileSync(join(dir, '.coffer-scan.json'), JSON.stringify({ rules: ['stripe-secret-key'] }))
})
after(() => rmSync(dir, { recursive: true, force: true }))

test('two worker threads find the same findings as one thread, sorted by path, line and column', async () => {
  const one = await runScan({ paths: [dir], mode: 'files', workers: 0 })
  const pooled = await runScan({ paths: [dir], mode: 'files', workers: 2 })
  assert.ok(one.findings.length >= 30, `${one.findings.length} findings`)
  // The config's disabled rule reaches the workers too.
  assert.ok(pooled.findings.every((f) => f.ruleId !== 'stripe-secret-key'))
  assert.deepEqual(
    pooled.findings.map((f) => [f.path, f.line, f.column, f.ruleId, f.fingerprint]),
    one.findings.map((f) => [f.path, f.line, f.column, f.ruleId, f.fingerprint]),
  )
  const places = pooled.findings.map((f) => `${f.path}:${f.line}:${f.column}`)
  const sorted = [...pooled.findings]
    .sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column)
    .map((f) => `${f.path}:${f.line}:${f.column}`)
  assert.deepEqual(places, sorted)
  assert.deepEqual(
    [pooled.filesScanned, pooled.filesSkipped, pooled.bytesScanned],
    [one.filesScanned, one.filesSkipped, one.bytesScanned],
  )
  assert.equal(pooled.filesSkipped, 1, 'the binary file')
})

test('progress reaches the total in a pooled scan', async () => {
  let last: [number, number, number] = [0, 0, 0]
  await runScan({ paths: [dir], mode: 'files', workers: 3, onProgress: (...a) => (last = a) })
  assert.equal(last[0], last[1])
  assert.equal(last[2], 302, '300 files, tiny.ts and the config file')
})

test('small folders and scans with matchers stay on the calling thread', async () => {
  assert.ok(POOL_THRESHOLD > 1024 * 1024)
  // A matcher is a function: it cannot cross to a worker, so it must still see every candidate here.
  const seen = new Set<string>()
  const result = await runScan({
    paths: [dir],
    mode: 'files',
    workers: 2,
    matchers: [{ id: 'spy', match: (v) => void seen.add(v) }],
  })
  assert.ok(seen.has(secrets[0]!))
  assert.ok(result.findings.length > 0)
})
