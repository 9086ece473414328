// Server CPU per request for kv-read, Coffer against the plain node:http server sending the same bytes.
// Throughput on a shared 2-core machine swings with the neighbours' load; the CPU the server process itself
// spends per answered request barely does. Each server is driven by wrk (one thread, 10 connections) for a fixed
// time, and the server's utime+stime is read from /proc/<pid>/stat before and after (all its threads, GC
// included), divided by the requests wrk counted.
//
//   node bench/cpu-per-request.ts                  # CPU_SECONDS=5 CPU_ROUNDS=3 by default
//   CPU_PROFILE_DIR=/tmp/prof node bench/cpu-per-request.ts   # also writes a --cpu-prof of the Coffer server
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { startCoffer } from './coffer-fixture.ts'

const SECONDS = Number(process.env['CPU_SECONDS'] ?? 5)
const ROUNDS = Number(process.env['CPU_ROUNDS'] ?? 3)
const CONNECTIONS = 10
const PLAIN = fileURLToPath(new URL('./plain-server.ts', import.meta.url))
const PROFILE_DIR = process.env['CPU_PROFILE_DIR']
const TICK_US = 1_000_000 / 100 // USER_HZ is 100 on Linux

/** utime + stime of a process (every thread), in µs. */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name may hold spaces; fields after the closing parenthesis start at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_US
}

function wrk(url: string, token: string, seconds: number): Promise<number> {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '-H', `x-vault-token: ${token}`, url]
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on('exit', (code) => {
      const m = /(\d+) requests in/.exec(out)
      if (code !== 0 || !m) return reject(new Error(`wrk exited ${code}:\n${out}`))
      if (/Non-2xx/.test(out)) return reject(new Error(`non-2xx answers:\n${out}`))
      resolve(Number(m[1]))
    })
  })
}

async function measure(pid: number, url: string, token: string) {
  const before = cpuMicros(pid)
  const requests = await wrk(url, token, SECONDS)
  const used = cpuMicros(pid) - before
  return { usPerRequest: used / requests, rps: requests / SECONDS, cpuShare: used / (SECONDS * 1e6) }
}

function spawnPlain(body: string) {
  const child = spawn(process.execPath, [PLAIN], {
    env: { ...process.env, READ_BODY: body },
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
const path = 'secret/data/bench/read'
await fixture.call('POST', path, { data: { value: 'x'.repeat(1000) } }, fixture.token)
const body = (await fixture.call('GET', path, undefined, fixture.token)).text
const plain = await spawnPlain(body)
const cofferPid = fixture.process.child.pid!
try {
  const cofferUrl = `${fixture.address}/v1/${path}`
  const plainUrl = `${plain.address}/v1/${path}`
  await wrk(plainUrl, fixture.token, 1)
  await wrk(cofferUrl, fixture.token, 1)
  const rows: string[] = []
  const fmt = (n: number) => n.toFixed(1).padStart(7)
  for (let round = 0; round < ROUNDS; round++) {
    const p = await measure(plain.pid, plainUrl, fixture.token)
    const c = await measure(cofferPid, cofferUrl, fixture.token)
    rows.push(
      `round ${round + 1}: coffer ${fmt(c.usPerRequest)} µs/req (${Math.round(c.rps)} req/s, cpu ${c.cpuShare.toFixed(2)})` +
        `  plain ${fmt(p.usPerRequest)} µs/req (${Math.round(p.rps)} req/s, cpu ${p.cpuShare.toFixed(2)})` +
        `  cpu ratio ${(p.usPerRequest / c.usPerRequest).toFixed(2)}  rps ratio ${(c.rps / p.rps).toFixed(2)}`,
    )
    process.stdout.write(`${rows.at(-1)}\n`)
  }
} finally {
  plain.stop()
  await fixture.process.stop()
}
