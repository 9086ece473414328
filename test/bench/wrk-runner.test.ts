// The wrk driver of bench/: Lua literals that survive any text, the report parser, and a real run against a server.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import {
  childCpuSeconds,
  luaString,
  parseWrkReport,
  runWrk,
  wrkAvailable,
  wrkDuration,
} from '../../bench/wrk-runner.ts'
import { type Requirement, skipUnless } from '../helpers/requirements.ts'

/** wrk has no exit-0 version flag, so presence is checked by starting it. */
const WRK: Requirement = {
  name: 'wrk',
  missing: async () => (wrkAvailable() ? undefined : 'wrk is not installed'),
}

const REPORT = `Running 3s test @ http://127.0.0.1:40000
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   610.12us  201.00us   5.01ms   90.00%
  Latency Distribution
     50%  580.00us
     75%  700.00us
     90%  810.00us
     99%    1.52ms
  48003 requests in 3.00s, 9.12MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  16001.00
Transfer/sec:      3.04MB
`

describe('bench wrk driver', () => {
  it('writes Lua long strings that hold any text, brackets and leading newlines included', () => {
    assert.equal(luaString('plain'), '[[plain]]')
    assert.equal(luaString('/v1/a-[<id>]'), '[=[/v1/a-[<id>]]=]')
    assert.equal(luaString('x]]y]=]z'), '[==[x]]y]=]z]==]')
    assert.equal(luaString('\nstarts'), '[[\n\nstarts]]')
  })

  it('reads rate, percentiles in milliseconds, errors and non-2xx from the report', () => {
    assert.deepEqual(parseWrkReport(REPORT), { rps: 16001, p50: 0.58, p99: 1.52, errors: 3, non2xx: 3 })
    assert.equal(wrkDuration('2.5s'), 2500)
    assert.throws(() => parseWrkReport('nothing'), /no rate/)
  })

  it("reads the generator's CPU from the children's line of bash's times", () => {
    assert.equal(childCpuSeconds('0m0.010s 0m0.002s\n0m1.500s 1m0.250s\n'), 61.75)
    assert.equal(childCpuSeconds('garbage'), undefined)
  })

  it('drives a real server with per-request paths and cycled bodies', async (t) => {
    if (await skipUnless(t, WRK)) return
    const seen = new Set<string>()
    const bodies = new Set<string>()
    const hostCounts = new Set<number>()
    const server = createServer((req, res) => {
      // Node joins repeated headers: only rawHeaders shows a Host sent twice (which Coffer refuses, as Go does).
      hostCounts.add(
        req.rawHeaders.filter((_, i) => i % 2 === 0).filter((n) => n.toLowerCase() === 'host').length,
      )
      let body = ''
      req.on('data', (chunk) => {
        body += chunk
      })
      req.on('end', () => {
        seen.add(req.url ?? '')
        bodies.add(body)
        res.end('ok')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const result = await runWrk({
        url: `http://127.0.0.1:${port}/v1/item-[<id>]`,
        method: 'POST',
        bodies: ['{"n":1}', '{"n":2}', '{"n":"]]"}'],
        connections: 2,
        seconds: 1,
        idModulo: 5,
      })
      assert.ok(result.rps > 0)
      assert.ok(result.generatorCpu !== undefined && result.generatorCpu >= 0)
      assert.equal(result.non2xx, 0)
      assert.deepEqual([...seen].sort(), [
        '/v1/item-0',
        '/v1/item-1',
        '/v1/item-2',
        '/v1/item-3',
        '/v1/item-4',
      ])
      assert.deepEqual([...bodies].sort(), ['{"n":"]]"}', '{"n":1}', '{"n":2}'])
      assert.deepEqual([...hostCounts], [1], 'every request carries exactly one Host header')
    } finally {
      server.close()
    }
  })
})
