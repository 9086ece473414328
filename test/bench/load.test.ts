// The load driver's request paths: a write scenario's runs never name a path an earlier run wrote.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { runLoad, taggedIds } from '../../bench/load.ts'

describe('taggedIds', () => {
  it('puts a tag drawn per run before the counter, so two runs share no path', () => {
    const spec = { url: 'http://127.0.0.1:1/v1/secret/data/w-[<id>]', connections: 1, seconds: 1 }
    const first = taggedIds(spec)
    const second = taggedIds(spec)
    assert.match(first, /^http:\/\/127\.0\.0\.1:1\/v1\/secret\/data\/w-[0-9a-f]{8}-\[<id>\]$/)
    assert.notEqual(first, second)
  })

  it('leaves cycling ids (paths seeded beforehand) and fixed paths as they are', () => {
    const cycling = { url: 'http://h/v1/s-[<id>]', connections: 1, seconds: 1, idModulo: 10 }
    assert.equal(taggedIds(cycling), cycling.url)
    const fixed = { url: 'http://h/v1/secret/data/read', connections: 1, seconds: 1 }
    assert.equal(taggedIds(fixed), fixed.url)
  })
})

describe('runLoad', () => {
  it('two runs of a counting path write disjoint sets of paths', async () => {
    const runs: Set<string>[] = [new Set(), new Set()]
    let current = 0
    const server = createServer((req, res) => {
      runs[current]!.add(req.url ?? '')
      req.resume()
      req.on('end', () => res.end('ok'))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      for (current = 0; current < 2; current++) {
        const result = await runLoad({
          url: `http://127.0.0.1:${port}/v1/item-[<id>]`,
          method: 'POST',
          body: '{}',
          connections: 2,
          seconds: 1,
        })
        assert.equal(result.non2xx, 0)
      }
      assert.ok(runs[0]!.size > 0 && runs[1]!.size > 0)
      for (const path of runs[0]!) assert.ok(!runs[1]!.has(path), `${path} was requested by both runs`)
    } finally {
      server.close()
    }
  })
})
