// The kv-read request through dispatch() in one process, alternating rounds without and with a file audit device:
// the audit device's own CPU per read, free of the loopback sockets and the load generator (a quick A/B tool for
// the audit path; `npm run bench:audit` measures the same end to end). It prints the CPU of the main (request)
// thread per read, which bounds a CPU-bound server's throughput, and of the whole process (the file device's
// writer thread, V8's helper threads) separately.
//
//   node bench/audit-dispatch.ts           # AUDIT_READS=100000 reads per round, AUDIT_IN_FLIGHT=10, AUDIT_ROUNDS=3
//   AUDIT_WRITER_THREAD=true node bench/audit-dispatch.ts      # writer_thread (default: a thread only on > 2 cores)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../src/lib/logger.ts'
import { dispatch } from '../src/server/http/dispatch.ts'
import type { HttpRequest } from '../src/server/http/http-types.ts'
import { startDevServer } from '../test/helpers/server.ts'

const READS = Number(process.env['AUDIT_READS'] ?? 100_000)
const ROUNDS = Number(process.env['AUDIT_ROUNDS'] ?? 3)
const IN_FLIGHT = Number(process.env['AUDIT_IN_FLIGHT'] ?? 10)
const WRITER_THREAD = process.env['AUDIT_WRITER_THREAD']

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const server = await startDevServer()
const dir = mkdtempSync(join(tmpdir(), 'coffer-audit-dispatch-'))
try {
  await server.call('PUT', 'sys/policies/acl/bench', {
    body: { policy: 'path "secret/data/bench/*" { capabilities = ["create", "read", "update"] }' },
  })
  const token = (
    await server.call('POST', 'auth/token/create', { body: { policies: ['bench'], ttl: '24h' } })
  ).body.auth.client_token as string
  await server.call('POST', 'secret/data/bench/read', { token, body: { data: { value: 'x'.repeat(1024) } } })
  const ctx = { core: server.server.core, logger: silentLogger }
  const req: HttpRequest = {
    method: 'GET',
    url: '/v1/secret/data/bench/read',
    headers: { host: '127.0.0.1', 'x-vault-token': token, 'user-agent': 'wrk', accept: '*/*' },
    body: Buffer.alloc(0),
    remoteAddress: '127.0.0.1',
  }
  /** CPU µs per read over `reads` reads, IN_FLIGHT at a time: the main thread's, and the process's. */
  const run = async (reads: number): Promise<{ main: number; all: number }> => {
    let left = reads
    const worker = async () => {
      while (left-- > 0) {
        const res = await dispatch(ctx, { ...req })
        if (res.status !== 200) throw new Error(`read answered ${res.status}`)
      }
    }
    const cpu = process.cpuUsage()
    const thread = process.threadCpuUsage()
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    const mainUsed = process.threadCpuUsage(thread)
    const used = process.cpuUsage(cpu)
    return { main: (mainUsed.user + mainUsed.system) / reads, all: (used.user + used.system) / reads }
  }
  const enable = async (round: number) => {
    const res = await server.call('PUT', 'sys/audit/bench', {
      body: {
        type: 'file',
        options: {
          file_path: join(dir, `audit-${round}.log`),
          ...(WRITER_THREAD === undefined ? {} : { writer_thread: WRITER_THREAD }),
        },
      },
    })
    if (res.status !== 204) throw new Error(`audit enable answered ${res.status}`)
  }
  await run(READS / 4)
  await enable(0)
  await run(READS / 4)
  await server.call('DELETE', 'sys/audit/bench')
  const plain: { main: number; all: number }[] = []
  const audited: { main: number; all: number }[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    plain.push(await run(READS))
    await enable(round)
    audited.push(await run(READS))
    await server.call('DELETE', 'sys/audit/bench')
    rmSync(join(dir, `audit-${round}.log`), { force: true })
    const p = plain.at(-1)!
    const q = audited.at(-1)!
    process.stdout.write(
      `round ${round}: main thread ${p.main.toFixed(2)} µs per read without, ${q.main.toFixed(2)} µs with a file ` +
        `device; whole process ${p.all.toFixed(2)} and ${q.all.toFixed(2)} µs\n`,
    )
  }
  // Neighbours on a shared host only ever add CPU time (cache and frequency effects), so the best round is the
  // steadier figure when the host is busy.
  for (const key of ['main', 'all'] as const) {
    const a = median(plain.map((r) => r[key]))
    const b = median(audited.map((r) => r[key]))
    const bestA = Math.min(...plain.map((r) => r[key]))
    const bestB = Math.min(...audited.map((r) => r[key]))
    process.stdout.write(
      `${key === 'main' ? 'main thread  ' : 'whole process'}: medians ${a.toFixed(2)} µs without, ${b.toFixed(2)} µs ` +
        `with; audit costs ${(b - a).toFixed(2)} µs per read; best rounds ${bestA.toFixed(2)} and ` +
        `${bestB.toFixed(2)} µs, ${(bestB - bestA).toFixed(2)} µs (${IN_FLIGHT} in flight)\n`,
    )
  }
} finally {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
}
