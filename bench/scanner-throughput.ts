// `node bench/scanner-throughput.ts [--mb=50] [--rounds=3] [--json]`: scan MB/s on a generated tree of mixed source
// files against plainly reading the same files in the same run — as `coffer scan` does it (worker threads above
// the size threshold) and on one thread — and the time to scan this repository's full git history against git
// producing the same `git log -p --all` stream alone.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ScanEngine } from '../src/scanner/engine.ts'
import { scanGitHistory } from '../src/scanner/git.ts'
import { defaultPoolSize } from '../src/scanner/pool.ts'
import { runScan } from '../src/scanner/scan.ts'
import { listFiles, readAllFiles } from '../src/scanner/walk.ts'
import { Rng } from '../test/helpers/scanner/rng.ts'
import { sample } from '../test/helpers/scanner/samples.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const MB = Number(process.argv.find((a) => a.startsWith('--mb='))?.slice(5) ?? 50)
const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3)
const json = process.argv.includes('--json')

/** Real text to build files from: this repository's sources and docs, cut into chunks. */
function sourcePool(): { ext: string; text: string }[] {
  const out: { ext: string; text: string }[] = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (/\.(ts|md|json|py)$/.test(name))
        out.push({ ext: name.slice(name.lastIndexOf('.') + 1), text: readFileSync(path, 'utf8') })
    }
  }
  walk(join(ROOT, 'src'))
  walk(join(ROOT, 'docs'))
  return out
}

function generateTree(dir: string, megabytes: number): number {
  const r = new Rng(5150)
  const pool = sourcePool()
  const exts = ['ts', 'js', 'py', 'go', 'yaml', 'json', 'md', 'env', 'tf']
  let total = 0
  let n = 0
  while (total < megabytes * 1e6) {
    const sub = join(dir, `pkg${n % 40}`, `mod${n % 7}`)
    if (n < 280) mkdirSync(sub, { recursive: true })
    const chunks: string[] = []
    const size = 4000 + r.int(60_000)
    let len = 0
    while (len < size) {
      const src = r.pick(pool).text
      const start = r.int(Math.max(1, src.length - 4000))
      const piece = src.slice(start, start + 500 + r.int(3500))
      chunks.push(piece)
      len += piece.length
    }
    // About one file in fifty leaks something.
    if (r.int(50) === 0) chunks.push(`\nGITHUB_TOKEN=${sample('github-pat', r).secret}\n`)
    const text = chunks.join('\n')
    writeFileSync(join(sub, `file${n}.${r.pick(exts)}`), text)
    total += Buffer.byteLength(text)
    n++
  }
  return n
}

async function plainRead(dir: string): Promise<{ bytes: number; ms: number }> {
  const t0 = performance.now()
  const { files } = await listFiles(dir, { gitignore: true, maxFileSize: 2 * 1024 * 1024 })
  let bytes = 0
  await readAllFiles(files, 16, (f, text) => {
    if (text !== undefined) bytes += f.size
  })
  return { bytes, ms: performance.now() - t0 }
}

async function gitAlone(cwd: string): Promise<{ bytes: number; ms: number }> {
  const t0 = performance.now()
  const child = spawn('git', ['log', '-p', '--all', '-U0', '--no-color', '--no-ext-diff', '--no-textconv'], {
    cwd,
  })
  let bytes = 0
  child.stdout.on('data', (c: Buffer) => {
    bytes += c.length
  })
  await new Promise((resolve) => child.on('close', resolve))
  return { bytes, ms: performance.now() - t0 }
}

const dir = mkdtempSync(join(tmpdir(), 'coffer-scan-bench-'))
try {
  const files = generateTree(dir, MB)
  await plainRead(dir) // warm the page cache so both measurements read from memory
  // Rounds interleave the three measurements so a busy neighbour on a shared machine slows all of them.
  const rounds: { read: number; scan: number; single: number; found: number; bytes: number }[] = []
  const timed = async (workers: number | undefined) => {
    const t0 = performance.now()
    const result = await runScan({
      paths: [dir],
      mode: 'files',
      ...(workers === undefined ? {} : { workers }),
    })
    return { result, mbps: result.bytesScanned / 1e6 / ((performance.now() - t0) / 1000) }
  }
  for (let i = 0; i < ROUNDS; i++) {
    const read = await plainRead(dir)
    const scan = await timed(undefined)
    const single = await timed(0)
    if (single.result.findings.length !== scan.result.findings.length)
      throw new Error('the pooled and the single-thread scans disagree')
    rounds.push({
      read: read.bytes / 1e6 / (read.ms / 1000),
      scan: scan.mbps,
      single: single.mbps,
      found: scan.result.findings.length,
      bytes: scan.result.bytesScanned,
    })
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const best = rounds.reduce((a, b) => (b.scan > a.scan ? b : a))
  const g0 = await gitAlone(ROOT)
  const t1 = performance.now()
  const history = await scanGitHistory(new ScanEngine(), ROOT)
  const historyMs = performance.now() - t1
  const commits = await new Promise<number>((resolve) => {
    const c = spawn('git', ['rev-list', '--all', '--count'], { cwd: ROOT })
    let out = ''
    c.stdout.on('data', (d: Buffer) => (out += d))
    c.on('close', () => resolve(Number(out.trim())))
  })
  const report = {
    tree: { files, megabytes: +(best.bytes / 1e6).toFixed(1), findings: best.found },
    scanMBps: +best.scan.toFixed(1),
    plainReadMBps: +best.read.toFixed(1),
    ratio: +(best.scan / best.read).toFixed(3),
    median: {
      scanMBps: +median(rounds.map((r) => r.scan)).toFixed(1),
      singleThreadMBps: +median(rounds.map((r) => r.single)).toFixed(1),
      plainReadMBps: +median(rounds.map((r) => r.read)).toFixed(1),
    },
    singleThreadMBps: +Math.max(...rounds.map((r) => r.single)).toFixed(1),
    workers: defaultPoolSize(),
    history: {
      commits,
      megabytes: +(g0.bytes / 1e6).toFixed(1),
      scanSeconds: +(historyMs / 1000).toFixed(2),
      gitAloneSeconds: +(g0.ms / 1000).toFixed(2),
      ratio: +(g0.ms / historyMs).toFixed(3),
      findings: history.length,
    },
  }
  if (json) console.log(JSON.stringify(report))
  else {
    console.log(`tree: ${files} files, ${report.tree.megabytes} MB, ${report.tree.findings} findings`)
    console.log(
      `scan ${report.scanMBps} MB/s  plain read ${report.plainReadMBps} MB/s  ratio ${report.ratio}  (target >= 50 MB/s; best of ${ROUNDS})`,
    )
    console.log(
      `  median of ${ROUNDS}: scan ${report.median.scanMBps} MB/s (${report.workers} worker threads), one thread ${report.median.singleThreadMBps} MB/s (best ${report.singleThreadMBps}), plain read ${report.median.plainReadMBps} MB/s`,
    )
    console.log(
      `git history of this repository: ${commits} commits, ${report.history.megabytes} MB of patches: scan ${report.history.scanSeconds} s, git log alone ${report.history.gitAloneSeconds} s (ratio ${report.history.ratio}), ${history.length} findings`,
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
