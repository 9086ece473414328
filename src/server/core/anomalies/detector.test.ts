// Each detection on the detector itself, with entry times as its clock: one case that must alert, others that must not.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type AnomalyConfig, DEFAULT_ANOMALY_CONFIG } from '../../../lib/anomaly-config.ts'
import { AnomalyDetector, type AnomalyType, type Detection, pathKey } from './detector.ts'
import { observe } from './observation.ts'
import { auditEntry, type EntrySpec } from './test-helpers.ts'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
/** Monday 5 January 2026, 00:00 UTC. */
const MONDAY = Date.UTC(2026, 0, 5)

function config(
  over: Partial<AnomalyConfig['thresholds']> = {},
  rest: Partial<AnomalyConfig> = {},
): AnomalyConfig {
  return {
    ...DEFAULT_ANOMALY_CONFIG,
    enabled: true,
    learning_period: 5 * 86_400,
    ...rest,
    thresholds: { ...DEFAULT_ANOMALY_CONFIG.thresholds, min_baseline_requests: 20, ...over },
  }
}

function feed(d: AnomalyDetector, specs: EntrySpec[]): Detection[] {
  const out: Detection[] = []
  for (const spec of specs) {
    const obs = observe(auditEntry(spec), (token) => `k-${token}`, spec.time)
    if (obs) out.push(...d.process(obs))
  }
  return out
}

const ann = (time: number, over: Partial<EntrySpec> = {}): EntrySpec => ({
  time,
  name: 'userpass-ann',
  entity: 'ent-ann',
  token: 'tok-ann',
  accessor: 'acc-ann',
  path: 'secret/data/app/db',
  remote: '10.0.0.5',
  ...over,
})

/** Five working days of ann reading her app's secrets, 09:00 to 17:00, three requests an hour. */
function workWeek(): EntrySpec[] {
  const specs: EntrySpec[] = []
  for (let day = 0; day < 5; day++)
    for (let hour = 9; hour < 17; hour++)
      for (const minute of [0, 20, 40])
        specs.push(
          ann(MONDAY + day * DAY + hour * HOUR + minute * MIN, {
            path: minute === 20 ? 'secret/data/app/api' : 'secret/data/app/db',
            remote: `10.0.0.${5 + (minute % 3)}`,
          }),
        )
  return specs
}

/** A detector that has learned ann's week; the next Monday 10:00 is an ordinary time for her. */
function learned(over: Partial<AnomalyConfig['thresholds']> = {}): AnomalyDetector {
  const d = new AnomalyDetector(config(over))
  assert.deepEqual(feed(d, workWeek()), [], 'learning raises nothing')
  return d
}

const NEXT_MONDAY_10 = MONDAY + 7 * DAY + 10 * HOUR
const types = (found: Detection[]) => found.map((f) => f.type)
const only = (found: Detection[], type: AnomalyType) => found.filter((f) => f.type === type)

describe('anomaly detector', () => {
  it('cuts paths to the mount plus the configured depth', () => {
    assert.equal(pathKey('secret/', 'secret/data/app/db', 2), 'secret/data/app')
    assert.equal(pathKey('secret/', 'secret/data/app/db', 0), 'secret/')
    assert.equal(pathKey('secret/', 'secret/metadata/', 2), 'secret/metadata')
  })

  it('an ordinary request after learning raises nothing', () => {
    assert.deepEqual(feed(learned(), [ann(NEXT_MONDAY_10 + 5 * MIN)]), [])
  })

  it('new_path: a path outside the baseline (at its depth) alerts once; a known one does not', () => {
    const d = learned()
    assert.deepEqual(
      feed(d, [ann(NEXT_MONDAY_10, { path: 'secret/data/app/other' })]),
      [],
      'same prefix at depth 2',
    )
    const found = feed(d, [ann(NEXT_MONDAY_10 + MIN, { path: 'secret/data/billing/card' })])
    assert.deepEqual(types(found), ['new_path'])
    assert.ok(found[0]!.score >= 0.5 && found[0]!.score <= 1)
    assert.match(found[0]!.explanation, /secret\/data\/billing for the first time/)
    assert.equal(found[0]!.identity.display_name, 'userpass-ann')
    assert.deepEqual(
      feed(d, [ann(NEXT_MONDAY_10 + 2 * MIN, { path: 'secret/data/billing/card' })]),
      [],
      'learned now',
    )
  })

  it('new_path: nothing during the learning period', () => {
    const d = new AnomalyDetector(config())
    assert.deepEqual(feed(d, [ann(MONDAY), ann(MONDAY + MIN, { path: 'secret/data/other/x' })]), [])
  })

  it('unusual_hour: 03:00 on a weekday alerts, 10:00 does not, a Saturday does', () => {
    const d = learned()
    const night = feed(d, [ann(MONDAY + 7 * DAY + 3 * HOUR)])
    assert.deepEqual(types(night), ['unusual_hour'])
    assert.match(night[0]!.explanation, /03:00 on a Monday \(UTC\)/)
    assert.deepEqual(feed(learned(), [ann(NEXT_MONDAY_10)]), [])
    const saturday = feed(learned(), [ann(MONDAY + 5 * DAY + 11 * HOUR + 7 * DAY)])
    assert.deepEqual(types(saturday), ['unusual_hour'])
  })

  it('unusual_hour: counted in the configured time zone', () => {
    // 09:00-17:00 UTC is 18:00-02:00 in Tokyo: a request at 10:00 UTC (19:00 there) is usual in either zone,
    // and 03:00 UTC (12:00 in Tokyo) is unusual in both, because the baseline is learned in the same zone.
    const d = new AnomalyDetector(config({}, { time_zone: 'Asia/Tokyo' }))
    feed(d, workWeek())
    assert.deepEqual(feed(d, [ann(NEXT_MONDAY_10)]), [])
    const found = feed(d, [ann(MONDAY + 7 * DAY + 3 * HOUR)])
    assert.deepEqual(types(found), ['unusual_hour'])
    assert.match(found[0]!.explanation, /12:00 on a Monday \(Asia\/Tokyo\)/)
  })

  it('new_source: a new network alerts; a new address in a known /24 does not', () => {
    const d = learned()
    assert.deepEqual(feed(d, [ann(NEXT_MONDAY_10, { remote: '10.0.0.77' })]), [])
    const found = feed(d, [ann(NEXT_MONDAY_10 + MIN, { remote: '203.0.113.9' })])
    assert.deepEqual(types(found), ['new_source'])
    assert.match(found[0]!.explanation, /203\.0\.113\.0\/24/)
  })

  it('rate_spike: far above the usual busy minute alerts once; a moderate rise does not', () => {
    const d = learned()
    const calm = Array.from({ length: 30 }, (_, i) => ann(NEXT_MONDAY_10 + i * 1000))
    assert.deepEqual(feed(d, calm), [], '30 in a minute is below rate_spike_min_requests')
    const burst = Array.from({ length: 100 }, (_, i) => ann(NEXT_MONDAY_10 + 2 * MIN + i * 500))
    const found = feed(d, burst)
    assert.deepEqual(types(found), ['rate_spike'])
    assert.match(found[0]!.explanation, /60 requests within a minute/)
  })

  it('denied_burst: ten refusals within a minute alert; nine, or ten spread out, do not', () => {
    const denied = (time: number) =>
      ann(time, { refused: 'permission denied', path: 'secret/data/hr/salaries' })
    const d = learned()
    assert.deepEqual(
      feed(
        d,
        Array.from({ length: 9 }, (_, i) => denied(NEXT_MONDAY_10 + i * 1000)),
      ),
      [],
    )
    const spread = learned()
    assert.deepEqual(
      feed(
        spread,
        Array.from({ length: 10 }, (_, i) => denied(NEXT_MONDAY_10 + i * 2 * MIN)),
      ),
      [],
    )
    const found = feed(d, [denied(NEXT_MONDAY_10 + 10_000)])
    assert.deepEqual(types(found), ['denied_burst'])
    assert.match(found[0]!.explanation, /userpass-ann had 10 requests refused within 60s/)
  })

  it('denied_burst: refusals without a valid token are counted by address', () => {
    const d = learned()
    const probe = (i: number): EntrySpec => ({
      time: NEXT_MONDAY_10 + i * 100,
      path: `secret/data/guess${i}`,
      token: `guess-${i}`,
      remote: '198.51.100.7',
      refused: 'permission denied',
    })
    const found = feed(
      d,
      Array.from({ length: 10 }, (_, i) => probe(i)),
    )
    assert.deepEqual(types(found), ['denied_burst'])
    assert.match(found[0]!.explanation, /address 198\.51\.100\.7/)
  })

  it("denied_burst: failed logins (response entries with the method's refusal) count against the address", () => {
    const d = learned()
    const found: Detection[] = []
    for (let i = 0; i < 10; i++) {
      const entry = auditEntry({
        time: NEXT_MONDAY_10 + i * 1000,
        path: 'auth/userpass/login/ann',
        operation: 'update',
        remote: '198.51.100.9',
      })
      entry.error = 'invalid username or password'
      const obs = observe(entry, (token) => token, entry.time ? Date.parse(entry.time) : 0)
      if (obs) found.push(...d.process(obs))
    }
    assert.deepEqual(types(found), ['denied_burst'])
    const notDenied = auditEntry({ time: NEXT_MONDAY_10, path: 'secret/data/app/db', remote: '198.51.100.9' })
    notDenied.error = 'no secret at this path'
    assert.equal(observe(notDenied, (t) => t, 0)?.denied, false, 'an error that is not a refusal')
  })

  it('enumeration: twenty distinct LISTs within a minute alert; the same list repeated does not', () => {
    const list = (time: number, path: string) => ann(time, { operation: 'list', path })
    const same = learned()
    assert.deepEqual(
      feed(
        same,
        Array.from({ length: 40 }, (_, i) => list(NEXT_MONDAY_10 + i * 1000, 'secret/metadata/app/')),
      ).filter((f) => f.type === 'enumeration'),
      [],
    )
    const d = learned()
    const found = only(
      feed(
        d,
        Array.from({ length: 20 }, (_, i) => list(NEXT_MONDAY_10 + i * 1000, `secret/metadata/app/${i}/`)),
      ),
      'enumeration',
    )
    assert.equal(found.length, 1)
    assert.match(found[0]!.explanation, /listed 20 distinct paths within 60s/)
  })

  it('root_token: a root token after learning alerts once per cooldown; during learning it does not', () => {
    const root = (time: number): EntrySpec => ({
      time,
      name: 'root',
      token: 'root-token',
      accessor: 'acc-root',
      policies: ['root'],
      path: 'sys/mounts',
      remote: '10.0.0.5',
    })
    const fresh = new AnomalyDetector(config())
    assert.deepEqual(feed(fresh, [root(MONDAY)]), [])
    const d = learned()
    const found = only(feed(d, [root(NEXT_MONDAY_10), root(NEXT_MONDAY_10 + MIN)]), 'root_token')
    assert.equal(found.length, 1)
    assert.equal(found[0]!.score, 0.9)
    assert.deepEqual(only(feed(d, [ann(NEXT_MONDAY_10 + 2 * MIN)]), 'root_token'), [], 'a non-root token')
  })

  it('shared_secret_fanout: five identities new to a secret within ten minutes alert; four do not', () => {
    const reader = (i: number, time: number): EntrySpec => ({
      time,
      name: `approle-svc${i}`,
      entity: `ent-svc${i}`,
      token: `tok-svc${i}`,
      accessor: `acc-svc${i}`,
      path: 'secret/data/shared/db',
      remote: '10.0.1.5',
    })
    const four = learned()
    assert.deepEqual(
      only(
        feed(
          four,
          [0, 1, 2, 3].map((i) => reader(i, NEXT_MONDAY_10 + i * MIN)),
        ),
        'shared_secret_fanout',
      ),
      [],
    )
    const spread = learned()
    assert.deepEqual(
      only(
        feed(
          spread,
          [0, 1, 2, 3, 4].map((i) => reader(i, NEXT_MONDAY_10 + i * HOUR)),
        ),
        'shared_secret_fanout',
      ),
      [],
    )
    const d = learned()
    const found = only(
      feed(
        d,
        [0, 1, 2, 3, 4].map((i) => reader(i, NEXT_MONDAY_10 + i * MIN)),
      ),
      'shared_secret_fanout',
    )
    assert.equal(found.length, 1)
    assert.match(found[0]!.explanation, /read by 5 identities new to it/)
  })

  it('shared_secret_fanout: usual readers of a shared secret do not count', () => {
    const d = new AnomalyDetector(config())
    const reader = (i: number, time: number): EntrySpec => ({
      time,
      name: `approle-svc${i}`,
      entity: `ent-svc${i}`,
      token: `tok-svc${i}`,
      accessor: `acc-svc${i}`,
      path: 'secret/data/shared/db',
    })
    feed(d, workWeek())
    feed(
      d,
      [0, 1, 2, 3, 4, 5].map((i) => reader(i, MONDAY + i * MIN)),
    )
    assert.deepEqual(
      only(
        feed(
          d,
          [0, 1, 2, 3, 4, 5].map((i) => reader(i, NEXT_MONDAY_10 + i * MIN)),
        ),
        'shared_secret_fanout',
      ),
      [],
    )
  })

  it('post_leak_use: a token used after its revocation alerts, naming its owner', () => {
    const d = learned()
    const revoke: EntrySpec = {
      time: NEXT_MONDAY_10,
      name: 'userpass-admin',
      token: 'tok-admin',
      accessor: 'acc-admin',
      path: 'auth/token/revoke-accessor',
      mount: 'auth/token/',
      operation: 'update',
      data: { accessor: 'acc-ann' },
    }
    const reuse: EntrySpec = {
      time: NEXT_MONDAY_10 + 5 * MIN,
      token: 'tok-ann',
      path: 'secret/data/app/db',
      remote: '203.0.113.50',
      refused: 'permission denied',
    }
    const found = only(feed(d, [revoke, reuse]), 'post_leak_use')
    assert.equal(found.length, 1)
    assert.equal(found[0]!.identity.display_name, 'userpass-ann')
    assert.match(found[0]!.explanation, /300s after it was revoked/)
  })

  it('post_leak_use: the token store reporting a revocation counts too; revoke by token as well', () => {
    const d = learned()
    d.noteRevokedAccessor('acc-ann', NEXT_MONDAY_10)
    const reuse = (time: number): EntrySpec => ({
      time,
      token: 'tok-ann',
      path: 'secret/data/app/db',
      refused: 'permission denied',
    })
    assert.equal(only(feed(d, [reuse(NEXT_MONDAY_10 + MIN)]), 'post_leak_use').length, 1)
    const byToken = learned()
    const revoke: EntrySpec = {
      time: NEXT_MONDAY_10,
      name: 'root',
      token: 'root',
      accessor: 'acc-root',
      policies: ['root'],
      path: 'auth/token/revoke',
      mount: 'auth/token/',
      operation: 'update',
      data: { token: 'tok-ann' },
    }
    assert.equal(only(feed(byToken, [revoke, reuse(NEXT_MONDAY_10 + MIN)]), 'post_leak_use').length, 1)
  })

  it('post_leak_use: a stale token header sent along with a login is not a use', () => {
    const d = learned()
    d.noteRevokedAccessor('acc-ann', NEXT_MONDAY_10)
    const login: EntrySpec = {
      time: NEXT_MONDAY_10 + MIN,
      token: 'tok-ann',
      path: 'auth/userpass/login/ann',
      mount: 'auth/userpass/',
      operation: 'update',
      refused: 'invalid username or password',
    }
    assert.deepEqual(only(feed(d, [login]), 'post_leak_use'), [])
  })

  it('post_leak_use: an expired or unknown token is an ordinary refusal', () => {
    const d = learned()
    const reuse = (token: string): EntrySpec => ({
      time: NEXT_MONDAY_10,
      token,
      path: 'secret/data/app/db',
      refused: 'permission denied',
    })
    assert.deepEqual(feed(d, [reuse('tok-ann'), reuse('never-seen')]), [])
  })

  it('min_score and cooldown thresholds are honoured', () => {
    const d = learned({ min_score: 0.95 })
    assert.deepEqual(
      feed(d, [ann(NEXT_MONDAY_10, { path: 'secret/data/billing/x' })]),
      [],
      'score below min_score',
    )
  })

  it('state survives a restore: a restored detector knows the baseline and the revoked token', () => {
    const d = learned()
    d.noteRevokedAccessor('acc-ann', NEXT_MONDAY_10)
    const dirty = d.takeDirty()
    const restored = new AnomalyDetector(config())
    restored.restore({
      ...dirty.meta,
      tokens: Object.assign({}, ...dirty.tokenShards.map(([, tokens]) => tokens)),
      baselines: Object.fromEntries(dirty.baselines),
      readers: Object.fromEntries(dirty.readers),
    })
    assert.deepEqual(feed(restored, [ann(NEXT_MONDAY_10)]), [])
    assert.deepEqual(types(feed(restored, [ann(NEXT_MONDAY_10 + MIN, { path: 'secret/data/billing/x' })])), [
      'new_path',
    ])
    const reuse: EntrySpec = {
      time: NEXT_MONDAY_10 + 2 * MIN,
      token: 'tok-ann',
      path: 'secret/data/app/db',
      refused: 'permission denied',
    }
    assert.deepEqual(types(feed(restored, [reuse])), ['post_leak_use'])
  })
})
