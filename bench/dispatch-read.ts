// The kv-read request through dispatch() in one process, without sockets: Coffer's own CPU per read, free of
// the kernel's loopback cost and of the load generator. A quick A/B tool for the read path:
//
//   node bench/dispatch-read.ts            # DISPATCH_READS=200000 reads, 10 in flight, 3 rounds
import { silentLogger } from '../src/lib/logger.ts'
import { dispatch } from '../src/server/http/dispatch.ts'
import type { HttpRequest } from '../src/server/http/http-types.ts'
import { startDevServer } from '../test/helpers/server.ts'

const READS = Number(process.env['DISPATCH_READS'] ?? 200_000)
const ROUNDS = Number(process.env['DISPATCH_ROUNDS'] ?? 3)
const IN_FLIGHT = 10

const server = await startDevServer()
try {
  await server.call('PUT', 'sys/policies/acl/bench', {
    body: { policy: 'path "secret/data/bench/*" { capabilities = ["create", "read", "update"] }' },
  })
  const token = (
    await server.call('POST', 'auth/token/create', { body: { policies: ['bench'], ttl: '24h' } })
  ).body.auth.client_token as string
  await server.call('POST', 'secret/data/bench/read', { token, body: { data: { value: 'x'.repeat(1000) } } })
  const ctx = { core: server.server.core, logger: silentLogger }
  const req: HttpRequest = {
    method: 'GET',
    url: '/v1/secret/data/bench/read',
    headers: { host: '127.0.0.1', 'x-vault-token': token, 'user-agent': 'wrk', accept: '*/*' },
    body: Buffer.alloc(0),
    remoteAddress: '127.0.0.1',
  }
  const first = await dispatch(ctx, req)
  if (first.status !== 200) throw new Error(`read answered ${first.status}: ${String(first.body)}`)
  for (let round = 0; round <= ROUNDS; round++) {
    let left = round === 0 ? READS / 4 : READS
    const done = left
    const worker = async () => {
      while (left-- > 0) {
        const res = await dispatch(ctx, { ...req })
        if (res.status !== 200) throw new Error(`read answered ${res.status}`)
      }
    }
    const cpu = process.cpuUsage()
    const start = performance.now()
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    const used = process.cpuUsage(cpu)
    const wall = performance.now() - start
    if (round === 0) continue // warm-up
    process.stdout.write(
      `round ${round}: ${((used.user + used.system) / done).toFixed(2)} µs CPU per read, ` +
        `${((wall * 1000) / done).toFixed(2)} µs wall per read\n`,
    )
  }
} finally {
  await server.close()
}
