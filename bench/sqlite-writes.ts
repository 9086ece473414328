// Micro-benchmark (a script, not a test): SqliteStorage write throughput and main-thread stalls; read pragmas.
// Usage: node bench/sqlite-writes.ts [--seconds=3] [--concurrency=1,10,100] [--impl=<module>] [--gets]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { DatabaseSync } from 'node:sqlite'
import { pathToFileURL } from 'node:url'
import type { Storage } from '../src/sdk/storage.ts'
import { FILE_PRAGMAS, MIGRATIONS, SQL } from '../src/server/physical/sqlite/dialect.ts'

type Opened = Storage & { close(): Promise<void> }

const flag = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const SECONDS = Number(flag('seconds') ?? 3)
const LEVELS = (flag('concurrency') ?? '1,10,100').split(',').map(Number)
const IMPL =
  flag('impl') === undefined
    ? new URL('../src/server/physical/sqlite.ts', import.meta.url)
    : pathToFileURL(resolve(flag('impl')!))
const VALUE = new Uint8Array(1024).fill(7)

const root = mkdtempSync(join(tmpdir(), 'coffer-bench-'))
const ms = (ns: number): string => (ns / 1e6).toFixed(2)

/** `concurrency` clients, each awaiting one KV-write-shaped batch (2 × 1 KiB puts) at a time. */
async function writes(concurrency: number): Promise<void> {
  const { SqliteStorage } = (await import(IMPL.href)) as { SqliteStorage: { open(path: string): Opened } }
  const storage = SqliteStorage.open(join(root, `writes-${concurrency}`, 'coffer.db'))
  let next = 0
  const run = async (until: number): Promise<number> => {
    let done = 0
    while (performance.now() < until) {
      const id = next++
      await storage.batch([
        { op: 'put', key: `bench/${id}/meta`, value: VALUE },
        { op: 'put', key: `bench/${id}/data`, value: VALUE },
      ])
      done++
    }
    return done
  }
  const clients = async (seconds: number): Promise<number> => {
    const until = performance.now() + seconds * 1000
    const counts = await Promise.all(Array.from({ length: concurrency }, () => run(until)))
    return counts.reduce((a, b) => a + b, 0)
  }
  await clients(0.3) // warm-up: worker start, statement caches, file growth
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const elu0 = performance.eventLoopUtilization()
  const t0 = performance.now()
  const count = await clients(SECONDS)
  const elapsed = (performance.now() - t0) / 1000
  const elu = performance.eventLoopUtilization(elu0)
  delay.disable()
  await storage.close()
  console.log(
    `c=${String(concurrency).padStart(3)}  ${Math.round(count / elapsed)
      .toString()
      .padStart(6)} writes/s  main thread busy ${(elu.utilization * 100).toFixed(1)}% ` +
      `(${Math.round(elu.active)} ms of ${Math.round(elapsed * 1000)} ms)  ` +
      `loop delay p50 ${ms(delay.percentile(50))} p99 ${ms(delay.percentile(99))} max ${ms(delay.max)} ms`,
  )
}

/** Point lookups on a read connection with different cache pragmas, over a table larger than the default cache. */
function gets(): void {
  const path = join(root, 'gets.db')
  const keys = 100_000
  const setup = new DatabaseSync(path)
  for (const sql of [...FILE_PRAGMAS, ...MIGRATIONS]) setup.exec(sql)
  setup.exec('BEGIN')
  const insert = setup.prepare(SQL.upsert)
  for (let i = 0; i < keys; i++) insert.run(`logical/${i}/data`, VALUE)
  setup.exec('COMMIT')
  setup.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  setup.close()
  const configs: Record<string, string[]> = {
    default: [],
    'cache_size=64MiB': ['PRAGMA cache_size = -65536'],
    'mmap_size=256MiB': ['PRAGMA mmap_size = 268435456'],
    both: ['PRAGMA cache_size = -65536', 'PRAGMA mmap_size = 268435456'],
  }
  const lookups = 300_000
  for (const round of [1, 2]) {
    for (const [name, pragmas] of Object.entries(configs)) {
      const db = new DatabaseSync(path)
      for (const pragma of pragmas) db.exec(pragma)
      const stmt = db.prepare(SQL.get)
      stmt.setReturnArrays(true)
      let seed = 12345
      const random = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff
        return seed % n
      }
      for (const [label, span] of [
        ['random over 100k', keys],
        ['hot 1k', 1000],
      ] as const) {
        const t0 = performance.now()
        for (let i = 0; i < lookups; i++) stmt.get(`logical/${random(span)}/data`)
        const rate = lookups / ((performance.now() - t0) / 1000)
        console.log(`round ${round}  ${name.padEnd(17)} ${label.padEnd(17)} ${Math.round(rate)} gets/s`)
      }
      db.close()
    }
  }
}

try {
  if (process.argv.includes('--gets')) gets()
  else {
    console.log(`impl ${IMPL.pathname}, ${SECONDS}s per level, batches of 2 × 1 KiB puts`)
    for (const level of LEVELS) await writes(level)
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}
