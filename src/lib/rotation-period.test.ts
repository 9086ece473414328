import assert from 'node:assert/strict'
import { it } from 'node:test'
import { rotationPeriod } from './rotation-period.ts'

const NOW = Date.UTC(2026, 0, 1)

it('reads AutomaticallyAfterDays, rate() and cron() as a period in seconds', () => {
  assert.deepEqual(rotationPeriod({ AutomaticallyAfterDays: 30 }, NOW), {
    policy: 'every 30 days',
    periodSeconds: 30 * 86400,
  })
  assert.deepEqual(rotationPeriod({ ScheduleExpression: 'rate(6 hours)' }, NOW), {
    policy: 'rate(6 hours)',
    periodSeconds: 6 * 3600,
  })
  assert.equal(rotationPeriod({ ScheduleExpression: 'cron(0 4 * * ? *)' }, NOW).periodSeconds, 86400)
})

it('has no period without rules or with rules it cannot read', () => {
  assert.deepEqual(rotationPeriod(undefined, NOW), { policy: 'on request only' })
  assert.deepEqual(rotationPeriod({ ScheduleExpression: 'sometimes' }, NOW), { policy: 'sometimes' })
})
