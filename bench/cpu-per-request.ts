// Server CPU per request, Coffer against the plain node:http server, for kv-read, durable KV writes or a signed
// Secrets Manager GetSecretValue.
// Throughput on a shared 2-core machine swings with the neighbours' load; the CPU the server process itself
// spends per answered request barely does. Each server is driven by wrk (one thread) for a fixed time, and the
// server's utime+stime is read from /proc/<pid>/stat before and after (all its threads, GC included), divided by
// the requests wrk counted. The writer thread's share (SQLite's commits, sealing) is read from /proc/<pid>/task.
//
//   node bench/cpu-per-request.ts [kv-read|kv-write-16|aws-get-secret-value]   # CPU_SECONDS=5 CPU_ROUNDS=3 by default
//   CPU_PROFILE_DIR=/tmp/prof node bench/cpu-per-request.ts   # also writes a --cpu-prof of the Coffer server
//   CPU_FSYNCS=1 node bench/cpu-per-request.ts kv-write-16     # also counts each server's fsyncs with `perf stat`
//   CPU_WARMUP=20 node bench/cpu-per-request.ts kv-write-16    # 20 s of unmeasured load on each server first (default 1)
//
// kv-read: 10 connections, one 1 KiB secret read over and over; the plain server sends Coffer's exact answer.
// kv-write-16: 16 connections, each request a new 1 KiB secret; the plain server stores each body durably
// (two rows, as `durable-floor-16` in run.ts) before sending Coffer's answer, so the comparison is with the
// floor of a durable write.
// aws-get-secret-value: 10 connections, one GetSecretValue signed by botocore replayed (as in run.ts); the plain
// server sends Coffer's exact answer.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { prepareAwsGetSecretValue } from './aws-fixture.ts'
import { startCoffer } from './coffer-fixture.ts'
import { type LoadSpec, taggedIds } from './load.ts'
import { runWrk } from './wrk-runner.ts'

const SCENARIO = process.argv[2] ?? 'kv-read'
if (SCENARIO !== 'kv-read' && SCENARIO !== 'kv-write-16' && SCENARIO !== 'aws-get-secret-value')
  throw new Error(`unknown scenario ${SCENARIO}: kv-read, kv-write-16 or aws-get-secret-value`)
const WRITE = SCENARIO === 'kv-write-16'
const AWS = SCENARIO === 'aws-get-secret-value'
const SECONDS = Number(process.env['CPU_SECONDS'] ?? 5)
const ROUNDS = Number(process.env['CPU_ROUNDS'] ?? 3)
// Unmeasured load on each server first. Coffer's first ~15 s under a write load also pay for V8 compiling its
// request path on helper threads (tens of µs per request at first, a few once settled), which the plain server,
// with far less code, barely does: a longer warm-up compares the steady states.
const WARMUP_SECONDS = Number(process.env['CPU_WARMUP'] ?? 1)
const CONNECTIONS = WRITE ? 16 : 10
const PLAIN = fileURLToPath(new URL('./plain-server.ts', import.meta.url))
const PROFILE_DIR = process.env['CPU_PROFILE_DIR']
const FSYNCS = process.env['CPU_FSYNCS'] === '1'
const TICK_US = 1_000_000 / 100 // USER_HZ is 100 on Linux

/** utime + stime from a /proc stat line, in µs. */
function statMicros(stat: string): number {
  // The command name may hold spaces; fields after the closing parenthesis start at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_US
}

/** CPU of a process (every thread) and of its main thread (whose thread id is the process id), in µs. */
function cpuMicros(pid: number): { total: number; main: number } {
  return {
    total: statMicros(readFileSync(`/proc/${pid}/stat`, 'utf8')),
    main: statMicros(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')),
  }
}

/** Threads of `pid` other than the main one, busiest first, with their CPU in µs (for the writer's share). */
function threadMicros(pid: number): Map<string, number> {
  const out = new Map<string, number>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(tid, statMicros(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')))
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out
}

function busiestOtherThread(pid: number, before: Map<string, number>, after: Map<string, number>): number {
  let most = 0
  for (const [tid, used] of after)
    if (tid !== String(pid)) most = Math.max(most, used - (before.get(tid) ?? 0))
  return most
}

/**
 * Count the fsync and fdatasync calls of `pid` (every thread) until `stop` is called: one per durable commit,
 * so requests per fsync is how many writes each commit carried. Needs `perf` and tracepoint access (root).
 */
function countFsyncs(pid: number): () => Promise<number> {
  const events = 'syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync'
  const child = spawn('perf', ['stat', '-x,', '-e', events, '-p', String(pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let err = ''
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return async () => {
    child.kill('SIGINT')
    await exited
    // CSV lines: count,unit,event,...
    const counts = err.split('\n').map((line) => Number(line.split(',')[0]))
    return counts.filter((n) => Number.isFinite(n)).reduce((sum, n) => sum + n, 0)
  }
}

async function measure(pid: number, spec: LoadSpec) {
  const before = cpuMicros(pid)
  const threadsBefore = threadMicros(pid)
  const fsyncs = FSYNCS ? countFsyncs(pid) : undefined
  // A fresh tag per round: the write rounds create new secrets, never rewriting an earlier round's.
  const result = await runWrk({ ...spec, url: taggedIds(spec) })
  const after = cpuMicros(pid)
  const requests = result.rps * SECONDS
  const syncs = fsyncs ? await fsyncs() : undefined
  const used = after.total - before.total
  return {
    usPerRequest: used / requests,
    mainPerRequest: (after.main - before.main) / requests,
    otherPerRequest: busiestOtherThread(pid, threadsBefore, threadMicros(pid)) / requests,
    ...(syncs ? { perFsync: requests / syncs } : {}),
    rps: result.rps,
    cpuShare: used / (SECONDS * 1e6),
  }
}

function spawnPlain(env: Record<string, string>) {
  const child = spawn(process.execPath, [PLAIN], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise<{ pid: number; address: string; stop(): void }>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const m = /Api Address: (\S+)/.exec(out)
      if (m) resolve({ pid: child.pid!, address: m[1]!, stop: () => child.kill('SIGTERM') })
    })
    child.once('exit', () => reject(new Error('plain server exited')))
  })
}

const fixture = await startCoffer(
  PROFILE_DIR ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${PROFILE_DIR}` } : {},
)
const secret = { data: { value: 'x'.repeat(1000) } }
let path: string
let plainEnv: Record<string, string>
let signed: { headers: Record<string, string>; body: string } | undefined
if (AWS) {
  const prepared = await prepareAwsGetSecretValue(fixture)
  signed = prepared
  path = '/'
  plainEnv = { WRITE_BODY: prepared.response }
} else if (WRITE) {
  const answer = (await fixture.call('POST', 'secret/data/bench/w-first', secret, fixture.token)).text
  path = 'secret/data/bench/w-[<id>]'
  plainEnv = {
    WRITE_BODY: answer,
    DURABLE_DB: join(mkdtempSync(join(tmpdir(), 'coffer-floor-')), 'floor.db'),
  }
} else {
  path = 'secret/data/bench/read'
  await fixture.call('POST', path, secret, fixture.token)
  plainEnv = { READ_BODY: (await fixture.call('GET', path, undefined, fixture.token)).text }
}
const plain = await spawnPlain(plainEnv)
const cofferPid = fixture.process.child.pid!
/** `at`: the path to load; the warm-up writes paths of its own, so its length does not turn creates into updates. */
const spec = (address: string, seconds: number, at = path): LoadSpec =>
  signed
    ? { url: `${address}/`, connections: CONNECTIONS, seconds, method: 'POST', ...signed }
    : {
        url: `${address}/v1/${at}`,
        connections: CONNECTIONS,
        seconds,
        headers: { 'x-vault-token': fixture.token },
        ...(WRITE ? { method: 'POST' as const, body: JSON.stringify(secret) } : {}),
      }
try {
  const warmPath = WRITE ? 'secret/data/bench/warm-[<id>]' : path
  await runWrk(spec(plain.address, WARMUP_SECONDS, warmPath))
  await runWrk(spec(fixture.address, WARMUP_SECONDS, warmPath))
  const fmt = (n: number) => n.toFixed(1).padStart(6)
  const threads = (m: { mainPerRequest: number; otherPerRequest: number; perFsync?: number }) =>
    (WRITE ? ` [main ${fmt(m.mainPerRequest)}, writer ${fmt(m.otherPerRequest)}]` : '') +
    (m.perFsync === undefined ? '' : ` ${m.perFsync.toFixed(1)} req/fsync`)
  process.stdout.write(`${SCENARIO}, ${CONNECTIONS} connections, ${SECONDS} s per round\n`)
  for (let round = 0; round < ROUNDS; round++) {
    const p = await measure(plain.pid, spec(plain.address, SECONDS))
    const c = await measure(cofferPid, spec(fixture.address, SECONDS))
    process.stdout.write(
      `round ${round + 1}: coffer ${fmt(c.usPerRequest)} µs/req${threads(c)} (${Math.round(c.rps)} req/s, cpu ${c.cpuShare.toFixed(2)})` +
        `  plain ${fmt(p.usPerRequest)} µs/req${threads(p)} (${Math.round(p.rps)} req/s, cpu ${p.cpuShare.toFixed(2)})` +
        `  cpu ratio ${(p.usPerRequest / c.usPerRequest).toFixed(2)}  rps ratio ${(c.rps / p.rps).toFixed(2)}\n`,
    )
  }
} finally {
  plain.stop()
  await fixture.process.stop()
}
