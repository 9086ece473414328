// Rotation schedules: AutomaticallyAfterDays, rate(), AWS's six-field cron in UTC, Duration windows, the four-hour floor, jitter.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { nextFiring, parseCron } from '../../../lib/aws-cron.ts'
import { isAwsError } from '../../../sdk/aws-error.ts'
import { jitteredStart, parseSchedule, type RotationRules } from './schedule.ts'

const at = (iso: string) => Date.parse(iso)
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())
const BASE = at('2026-03-10T15:30:00Z') // a Tuesday

function window(rules: RotationRules, after = BASE) {
  const w = parseSchedule(rules, BASE)?.nextWindow(after)
  return w && [iso(w.start), iso(w.end)]
}

function refusal(rules: RotationRules): string {
  try {
    parseSchedule(rules, BASE)
  } catch (error) {
    assert.ok(isAwsError(error))
    assert.equal(error.awsType, 'InvalidParameterException')
    return error.message
  }
  assert.fail(`accepted ${JSON.stringify(rules)}`)
}

describe('rotation schedules', () => {
  it('AutomaticallyAfterDays and rate(N days): the whole UTC day N days on, or Duration hours from its midnight', () => {
    assert.deepEqual(window({ AutomaticallyAfterDays: 7 }), [
      '2026-03-17T00:00:00.000Z',
      '2026-03-18T00:00:00.000Z',
    ])
    assert.deepEqual(window({ ScheduleExpression: 'rate(1 day)' }), [
      '2026-03-11T00:00:00.000Z',
      '2026-03-12T00:00:00.000Z',
    ])
    assert.deepEqual(window({ ScheduleExpression: 'rate(10 days)', Duration: '3h' }), [
      '2026-03-20T00:00:00.000Z',
      '2026-03-20T03:00:00.000Z',
    ])
  })

  it('rate(N hours): windows at midnight UTC and every N hours after, an hour long by default', () => {
    assert.deepEqual(window({ ScheduleExpression: 'rate(4 hours)' }), [
      '2026-03-10T16:00:00.000Z',
      '2026-03-10T17:00:00.000Z',
    ])
    assert.deepEqual(window({ ScheduleExpression: 'rate(6 hours)', Duration: '2h' }), [
      '2026-03-10T18:00:00.000Z',
      '2026-03-10T20:00:00.000Z',
    ])
    // The last window of the day is followed by the next midnight, not 01:00.
    assert.deepEqual(window({ ScheduleExpression: 'rate(7 hours)' }, at('2026-03-10T22:00:00Z')), [
      '2026-03-11T00:00:00.000Z',
      '2026-03-11T01:00:00.000Z',
    ])
  })

  it('cron(): six fields in UTC with names, ranges, steps, L and #; a daily window runs to the end of the day', () => {
    assert.deepEqual(window({ ScheduleExpression: 'cron(0 10 * * ? *)' }), [
      '2026-03-11T10:00:00.000Z',
      '2026-03-12T00:00:00.000Z',
    ])
    assert.deepEqual(window({ ScheduleExpression: 'cron(0 16 ? * TUE *)', Duration: '2h' }), [
      '2026-03-10T16:00:00.000Z',
      '2026-03-10T18:00:00.000Z',
    ])
    // Hours firing several times a day: an hour's window.
    assert.deepEqual(window({ ScheduleExpression: 'cron(0 0/8 * * ? *)' }), [
      '2026-03-10T16:00:00.000Z',
      '2026-03-10T17:00:00.000Z',
    ])
    const c = (text: string, after = BASE) => iso(nextFiring(parseCron(text), after))
    assert.equal(c('0 6 L * ? *'), '2026-03-31T06:00:00.000Z')
    assert.equal(c('0 6 ? * 6L *'), '2026-03-27T06:00:00.000Z', 'the last Friday of March 2026')
    assert.equal(c('0 6 ? * MON#1 *'), '2026-04-06T06:00:00.000Z', 'the first Monday of April')
    assert.equal(c('30 9 1 JAN-MAR ? 2027'), '2027-01-01T09:30:00.000Z')
    assert.equal(c('0 12 29 2 ? *'), '2028-02-29T12:00:00.000Z', 'leap days only')
    assert.equal(c('0 12 1 1 ? 2020'), undefined, 'never again')
  })

  it('refuses more often than every four hours, windows longer than the interval, and malformed rules', () => {
    for (const ScheduleExpression of [
      'rate(3 hours)',
      'cron(0 */3 * * ? *)',
      'cron(0 1,2 * * ? *)',
      'cron(* 5 * * ? *)',
    ])
      assert.match(refusal({ ScheduleExpression }), /every four hours/, ScheduleExpression)
    assert.match(refusal({ ScheduleExpression: 'rate(6 hours)', Duration: '7h' }), /Duration/)
    assert.match(refusal({ ScheduleExpression: 'cron(0 0/6 * * ? *)', Duration: '8h' }), /Duration/)
    assert.match(refusal({ AutomaticallyAfterDays: 1, Duration: '25h' }), /between 1h and 24h/)
    assert.match(refusal({ AutomaticallyAfterDays: 3, ScheduleExpression: 'rate(3 days)' }), /either/)
    assert.match(refusal({ ScheduleExpression: 'every day' }), /rate\(N hours\)/)
    assert.match(refusal({ ScheduleExpression: 'cron(0 10 * * * *)' }), /exactly one of day-of-month/)
    assert.match(refusal({ ScheduleExpression: 'cron(0 25 * * ? *)' }), /out of range/)
    assert.match(refusal({ ScheduleExpression: 'cron(0 10 * *)' }), /six fields/)
    assert.equal(parseSchedule({}, BASE), undefined)
  })

  it('jitter: a start anywhere in the window, so secrets on one schedule are staggered', () => {
    const w = { start: at('2026-03-11T00:00:00Z'), end: at('2026-03-11T04:00:00Z') }
    assert.equal(
      jitteredStart(w, () => 0),
      w.start,
    )
    assert.equal(
      jitteredStart(w, () => 0.5),
      at('2026-03-11T02:00:00Z'),
    )
    assert.ok(jitteredStart(w, () => 0.999999) < w.end)
    const starts = new Set(Array.from({ length: 50 }, () => jitteredStart(w, Math.random)))
    assert.ok(starts.size > 1, 'real randomness spreads the starts')
    for (const s of starts) assert.ok(s >= w.start && s < w.end)
  })
})
