// The rate-limit stage's own cost per request, on an unsealed in-memory core: with no quota (what every request
// pays), and with a quota that covers the request (a bucket spent per call, limit never reached).
//
//   node bench/rate-limit-stage.ts          # STAGE_CALLS=10000000 calls, 3 rounds each
import { runPipeline } from '../src/server/core/handle-request.ts'
import { limitRate } from '../src/server/core/pipeline/rate-limit.ts'
import { request, unsealedCore } from '../src/server/core/pipeline/test-helpers.ts'

const CALLS = Number(process.env['STAGE_CALLS'] ?? 10_000_000)
const t = await unsealedCore()
try {
  const req = request('read', 'secret/data/bench', t.rootToken)
  const measure = (label: string) => {
    for (let round = 1; round <= 3; round++) {
      const start = process.hrtime.bigint()
      for (let i = 0; i < CALLS; i++) limitRate(t.services, req)
      console.log(
        `${label}, round ${round}: ${(Number(process.hrtime.bigint() - start) / CALLS).toFixed(1)} ns per call`,
      )
    }
  }
  measure('no quota')
  await runPipeline(
    t.services,
    request('update', 'sys/quotas/rate-limit/bench', t.rootToken, {
      path: 'secret/',
      rate: 1e12,
      interval: '24h',
    }),
  )
  measure('a mount quota covering the request')
} finally {
  await t.close()
}
