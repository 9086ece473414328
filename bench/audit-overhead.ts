// Audit cost on reads: the same KV read against one server, alternating rounds without and with a file audit device.
//
//   npm run bench:audit                    6 rounds of 5 s each way
//   BENCH_SECONDS=10 BENCH_ROUNDS=8 npm run bench:audit
//   AUDIT_WRITER_THREAD=true npm run bench:audit               (writer_thread; default: a thread only on > 2 cores)
//   NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:audit     (profiles the server too)
//
// Alternating within one server process cancels most of the drift a shared machine adds between separate runs;
// the figure of interest is Coffer-with-audit divided by Coffer-without (the target is >= 0.85). Throughput on a
// shared two-core host is noisy, so each round also reads the server's own CPU time (utime + stime from
// /proc/<pid>/stat) around the load and divides by the requests served: the difference between the two halves is
// what the audit device costs per read, and their quotient is the ratio a CPU-bound server would reach. The main
// (request) thread's share is read apart (/proc/<pid>/task/<pid>/stat): it is what bounds a server whose other
// threads (the audit file device's writer, V8's helpers) run on another core.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCoffer } from './coffer-fixture.ts'
import { LOAD_GENERATOR, type LoadResult, runLoad } from './load.ts'

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5)
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 6)
const CONNECTIONS = 10
const WRITER_THREAD = process.env['AUDIT_WRITER_THREAD']

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Clock ticks per second of /proc's CPU counters (100 on Linux almost everywhere). */
function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
  } catch {
    return 100
  }
}

/**
 * CPU seconds (user + system) the process has used so far, every thread, or with `mainThread` its main thread's
 * alone; undefined off Linux.
 */
function processCpuSeconds(pid: number | undefined, ticks: number, mainThread = false): number | undefined {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / ticks
  } catch {
    return undefined
  }
}

interface Measured extends LoadResult {
  /** Server CPU microseconds per request over the run. */
  cpuPerRequest?: number
  /** The same, of the server's main thread alone. */
  mainCpuPerRequest?: number
}

const us = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(0)} µs`)
const share = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(2))

async function main() {
  const f = await startCoffer()
  const pid = f.process.child.pid
  const ticks = clockTicks()
  try {
    const secret = JSON.stringify({ data: { value: 'x'.repeat(1024) } })
    await f.call('POST', 'secret/data/bench/read', JSON.parse(secret), f.token)
    const url = `${f.address}/v1/secret/data/bench/read`
    const load = async (seconds: number): Promise<Measured> => {
      const before = processCpuSeconds(pid, ticks)
      const mainBefore = processCpuSeconds(pid, ticks, true)
      const result = await runLoad({
        url,
        connections: CONNECTIONS,
        seconds,
        headers: { 'x-vault-token': f.token },
      })
      const after = processCpuSeconds(pid, ticks)
      const mainAfter = processCpuSeconds(pid, ticks, true)
      if (result.errors > 0 || result.non2xx > 0)
        throw new Error(`${result.errors} errors, ${result.non2xx} non-2xx`)
      const requests = result.rps * seconds
      if (before === undefined || after === undefined || requests === 0) return result
      return {
        ...result,
        cpuPerRequest: ((after - before) * 1e6) / requests,
        ...(mainBefore === undefined || mainAfter === undefined
          ? {}
          : { mainCpuPerRequest: ((mainAfter - mainBefore) * 1e6) / requests }),
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'coffer-bench-audit-'))
    await load(1)
    process.stdout.write(
      `load generator: ${LOAD_GENERATOR}, ${CONNECTIONS} connections, ${SECONDS} s rounds\n`,
    )
    const ratios: number[] = []
    const cpuPlain: number[] = []
    const cpuAudit: number[] = []
    const mainPlain: number[] = []
    const mainAudit: number[] = []
    let without = 0
    let withAudit = 0
    for (let round = 1; round <= ROUNDS; round++) {
      const plain = await load(SECONDS)
      const enabled = await f.call(
        'PUT',
        'sys/audit/bench',
        {
          type: 'file',
          options: {
            file_path: join(dir, `audit-${round}.log`),
            ...(WRITER_THREAD === undefined ? {} : { writer_thread: WRITER_THREAD }),
          },
        },
        f.root,
      )
      if (enabled.status !== 204) throw new Error(`audit enable failed: ${enabled.status} ${enabled.text}`)
      const audited = await load(SECONDS)
      await f.call('DELETE', 'sys/audit/bench', undefined, f.root)
      ratios.push(audited.rps / plain.rps)
      without += plain.rps
      withAudit += audited.rps
      if (plain.cpuPerRequest !== undefined) cpuPlain.push(plain.cpuPerRequest)
      if (audited.cpuPerRequest !== undefined) cpuAudit.push(audited.cpuPerRequest)
      if (plain.mainCpuPerRequest !== undefined) mainPlain.push(plain.mainCpuPerRequest)
      if (audited.mainCpuPerRequest !== undefined) mainAudit.push(audited.mainCpuPerRequest)
      process.stdout.write(
        `round ${round}: without audit ${Math.round(plain.rps)} req/s (server ${us(plain.cpuPerRequest)}/req, ` +
          `main thread ${us(plain.mainCpuPerRequest)}, generator CPU ${share(plain.generatorCpu)}), with a file ` +
          `device ${Math.round(audited.rps)} req/s (server ${us(audited.cpuPerRequest)}/req, main thread ` +
          `${us(audited.mainCpuPerRequest)}, generator CPU ${share(audited.generatorCpu)}), ` +
          `ratio ${(audited.rps / plain.rps).toFixed(2)}\n`,
      )
    }
    process.stdout.write(
      `kv-read with a file audit device vs without: median ratio ${median(ratios).toFixed(2)}, ` +
        `mean of rates ${(withAudit / without).toFixed(2)} (${Math.round(withAudit / ROUNDS)} vs ${Math.round(without / ROUNDS)} req/s)\n`,
    )
    if (cpuPlain.length > 0 && cpuAudit.length > 0) {
      const a = median(cpuPlain)
      const b = median(cpuAudit)
      process.stdout.write(
        `server CPU per read (medians): ${a.toFixed(1)} µs without, ${b.toFixed(1)} µs with a file device; ` +
          `audit costs ${(b - a).toFixed(1)} µs per read; CPU-bound ratio ${(a / b).toFixed(2)}\n`,
      )
    }
    if (mainPlain.length > 0 && mainAudit.length > 0) {
      const a = median(mainPlain)
      const b = median(mainAudit)
      process.stdout.write(
        `server main thread CPU per read (medians): ${a.toFixed(1)} µs without, ${b.toFixed(1)} µs with; ` +
          `audit costs it ${(b - a).toFixed(1)} µs per read; main-thread-bound ratio ${(a / b).toFixed(2)}\n`,
      )
    }
  } finally {
    await f.process.stop()
  }
}

await main()
