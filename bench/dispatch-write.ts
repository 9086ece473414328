// The kv-write-16 request through dispatch() in one process on SQLite, without sockets: Coffer's own CPU per
// durable write, split into the request thread and the SQLite writer thread, free of the kernel's loopback cost
// and of the load generator. A quick A/B tool for the write path:
//
//   node bench/dispatch-write.ts     # DISPATCH_WRITES=20000 new 1 KiB secrets per round, 16 in flight, 3 rounds
import { readdirSync, readFileSync } from 'node:fs'
import { silentLogger } from '../src/lib/logger.ts'
import { dispatch } from '../src/server/http/dispatch.ts'
import type { HttpRequest } from '../src/server/http/http-types.ts'
import { startDevServer } from '../test/helpers/server.ts'

const WRITES = Number(process.env['DISPATCH_WRITES'] ?? 20_000)
const ROUNDS = Number(process.env['DISPATCH_ROUNDS'] ?? 3)
const IN_FLIGHT = 16
const TICK_US = 1_000_000 / 100 // USER_HZ is 100 on Linux

/** utime + stime of one thread of this process, in µs. */
function threadMicros(tid: string): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_US
}

function threads(): Map<string, number> {
  const out = new Map<string, number>()
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(tid, threadMicros(tid))
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out
}

const server = await startDevServer()
try {
  await server.call('PUT', 'sys/policies/acl/bench', {
    body: { policy: 'path "secret/data/bench/*" { capabilities = ["create", "read", "update"] }' },
  })
  const token = (
    await server.call('POST', 'auth/token/create', { body: { policies: ['bench'], ttl: '24h' } })
  ).body.auth.client_token as string
  const ctx = { core: server.server.core, logger: silentLogger }
  const body = Buffer.from(JSON.stringify({ data: { value: 'x'.repeat(1000) } }))
  const headers = {
    host: '127.0.0.1',
    'x-vault-token': token,
    'content-type': 'application/json',
    'content-length': String(body.length),
  }
  const request = (id: number): HttpRequest => ({
    method: 'POST',
    url: `/v1/secret/data/bench/w-${id}`,
    headers,
    body,
    remoteAddress: '127.0.0.1',
  })
  let next = 0
  const main = String(process.pid)
  for (let round = 0; round <= ROUNDS; round++) {
    let left = round === 0 ? WRITES / 4 : WRITES
    const done = left
    const worker = async () => {
      while (left-- > 0) {
        const res = await dispatch(ctx, request(next++))
        if (res.status !== 200) throw new Error(`write answered ${res.status}: ${String(res.body)}`)
      }
    }
    const before = threads()
    const start = performance.now()
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    const wall = performance.now() - start
    const after = threads()
    if (round === 0) continue // warm-up
    let mainUs = 0
    let writerUs = 0
    let totalUs = 0
    for (const [tid, used] of after) {
      const delta = used - (before.get(tid) ?? 0)
      totalUs += delta
      if (tid === main) mainUs = delta
      else writerUs = Math.max(writerUs, delta)
    }
    process.stdout.write(
      `round ${round}: ${(totalUs / done).toFixed(1)} µs CPU per write [main ${(mainUs / done).toFixed(1)}, ` +
        `writer ${(writerUs / done).toFixed(1)}], ${((wall * 1000) / done).toFixed(1)} µs wall per write\n`,
    )
  }
} finally {
  await server.close()
}
