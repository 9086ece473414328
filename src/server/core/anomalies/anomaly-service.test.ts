// The anomaly service around the detector: its bounded queue, persistence across a restart, acknowledgement, config.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type AnomalyConfig, DEFAULT_ANOMALY_CONFIG } from '../../../lib/anomaly-config.ts'
import { silentLogger } from '../../../lib/logger.ts'
import type { AppError } from '../../../sdk/errors.ts'
import type { Storage } from '../../../sdk/storage.ts'
import type { AuditEntry } from '../../audit/entry.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import type { PublishedEvent } from '../events/published-event.ts'
import { USES_SPENT } from '../token/token-entry.ts'
import { ANOMALY_EVENT, type AnomalyCounters, AnomalyService } from './anomaly-service.ts'
import { auditEntry, type EntrySpec } from './test-helpers.ts'

const HOUR = 3_600_000
const START = Date.UTC(2026, 0, 5, 10)

interface Harness {
  service: AnomalyService
  send(entry: AuditEntry): void
  recorded: AuditEntry[]
  published: Omit<PublishedEvent, 'id' | 'time' | 'json'>[]
  counters: AnomalyCounters
  subscribed(): boolean
}

function harness(storage: Storage, over: Partial<AnomalyConfig> = {}, queueLimit?: number): Harness {
  let listener: ((entry: AuditEntry) => void) | undefined
  const recorded: AuditEntry[] = []
  const published: Harness['published'] = []
  const counters: AnomalyCounters = { anomalies: {}, anomalyEntriesDropped: 0 }
  const service = new AnomalyService({
    storage,
    audit: {
      subscribe: (l) => {
        listener = l
        return () => {
          listener = undefined
        }
      },
      record: async (entry) => {
        recorded.push(entry)
      },
    },
    events: {
      publish: (e) => {
        published.push(e)
        return e as PublishedEvent
      },
    },
    origin: () => ({ mountClass: 'secret', mountAccessor: 'system_1', mountPath: 'sys/', plugin: 'system' }),
    clock: { now: () => START },
    logger: silentLogger,
    counters,
    config: {
      ...DEFAULT_ANOMALY_CONFIG,
      enabled: true,
      learning_period: 60,
      thresholds: { ...DEFAULT_ANOMALY_CONFIG.thresholds, min_baseline_requests: 5 },
      ...over,
    },
    ...(queueLimit ? { queueLimit } : {}),
  })
  return {
    service,
    send: (entry) => listener?.(entry),
    recorded,
    published,
    counters,
    subscribed: () => listener !== undefined,
  }
}

const ann = (time: number, over: Partial<EntrySpec> = {}): EntrySpec => ({
  time,
  name: 'userpass-ann',
  entity: 'ent-ann',
  token: 'tok-ann',
  accessor: 'acc-ann',
  path: 'secret/data/app/db',
  ...over,
})

describe('anomaly service', () => {
  it('evaluates off the caller’s turn, keeps, audits, publishes and counts each anomaly', async () => {
    const h = harness(new MemoryStorage())
    await h.service.load()
    for (let i = 0; i < 10; i++) h.send(auditEntry(ann(START + i * 60_000)))
    assert.equal(h.service.queued, 10, 'queued, not yet evaluated')
    h.send(auditEntry(ann(START + 30 * 60_000, { path: 'secret/data/billing/card' })))
    await h.service.settled()
    const ids = h.service.list()
    assert.equal(ids.length, 1)
    const anomaly = h.service.get(ids[0]!)!
    assert.equal(anomaly.type, 'new_path')
    assert.equal(h.counters.anomalies['new_path'], 1)
    assert.equal(h.published[0]!.type, ANOMALY_EVENT)
    assert.equal(h.published[0]!.metadata['anomaly_id'], anomaly.id)
    assert.equal(h.recorded[0]!.request?.path, `sys/anomalies/${anomaly.id}`)
    assert.equal(h.recorded[0]!.response?.data?.['type'], 'new_path')
    await h.service.stop()
  })

  it('drops and counts entries past the queue bound instead of holding the request', async () => {
    const h = harness(new MemoryStorage(), {}, 5)
    await h.service.load()
    for (let i = 0; i < 8; i++) h.send(auditEntry(ann(START + i)))
    assert.equal(h.service.queued, 5)
    assert.equal(h.counters.anomalyEntriesDropped, 3)
    await h.service.settled()
    await h.service.stop()
  })

  it('baselines, revocations and anomalies survive a restart (flushed on stop)', async () => {
    const storage = new MemoryStorage()
    const first = harness(storage)
    await first.service.load()
    for (let i = 0; i < 10; i++) first.send(auditEntry(ann(START + i * 60_000)))
    first.send(auditEntry(ann(START + 30 * 60_000, { path: 'secret/data/billing/card' })))
    await first.service.settled()
    first.service.tokenRevoked({ accessor: 'acc-ann', expireTime: 0, numUses: 0 })
    await first.service.stop()

    const second = harness(storage)
    await second.service.load()
    assert.equal(second.service.list().length, 1, 'the anomaly is still listed')
    second.send(auditEntry(ann(START + 40 * 60_000)))
    second.send(auditEntry(ann(START + 40 * 60_000, { path: 'secret/data/billing/card' })))
    second.send(
      auditEntry({
        time: START + 40 * 60_000,
        token: 'tok-ann',
        path: 'secret/data/app/db',
        refused: 'permission denied',
      }),
    )
    await second.service.settled()
    const types = second.service.list().map((id) => second.service.get(id)!.type)
    assert.deepEqual(
      types,
      ['post_leak_use', 'new_path'],
      'the baseline was kept: no new alert for known paths',
    )
    await second.service.stop()
  })

  it('a token that expired, or spent its last use, is not a revocation', async () => {
    const h = harness(new MemoryStorage())
    await h.service.load()
    h.send(auditEntry(ann(START)))
    await h.service.settled()
    h.service.tokenRevoked({ accessor: 'acc-ann', expireTime: START - 1, numUses: 0 })
    h.service.tokenRevoked({ accessor: 'acc-ann', expireTime: 0, numUses: 1 })
    // As the token store hands it over now: the last use is stored as spent before the token is revoked.
    h.service.tokenRevoked({ accessor: 'acc-ann', expireTime: 0, numUses: USES_SPENT })
    h.send(
      auditEntry({
        time: START + HOUR,
        token: 'tok-ann',
        path: 'secret/data/app/db',
        refused: 'permission denied',
      }),
    )
    await h.service.settled()
    assert.deepEqual(h.service.list(), [])
    await h.service.stop()
  })

  it('acknowledges once: of concurrent acknowledgements one wins, the rest are refused', async () => {
    const h = harness(new MemoryStorage())
    await h.service.load()
    for (let i = 0; i < 10; i++) h.send(auditEntry(ann(START + i * 60_000)))
    h.send(auditEntry(ann(START + 30 * 60_000, { path: 'secret/data/billing/card' })))
    await h.service.settled()
    const id = h.service.list()[0]!
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((who) => h.service.acknowledge(id, who, `by ${who}`)),
    )
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as AppError).status, 400)
    const acked = h.service.get(id)!
    assert.equal(acked.note, `by ${acked.acknowledged_by}`)
    assert.deepEqual(h.service.list(false), [])
    assert.deepEqual(h.service.list(true), [id])
    assert.equal(await h.service.acknowledge('missing', 'a', undefined), undefined)
    await h.service.stop()
  })

  it('config: stored behind the barrier, bad values refused with a 400, disabling unsubscribes', async () => {
    const storage = new MemoryStorage()
    const h = harness(storage)
    await h.service.load()
    assert.ok(h.subscribed())
    await assert.rejects(
      h.service.configure({ learning_period: 'soon' }),
      (e: AppError) => e.status === 400 && /learning_period/.test(e.message),
    )
    await assert.rejects(h.service.configure({ thresholds: { min_score: 2 } }), /thresholds\.min_score/)
    await assert.rejects(h.service.configure({ colour: 'red' }), /colour: unknown key/)
    const next = await h.service.configure({ enabled: false, learning_period: '2h', path_depth: 3 })
    assert.equal(next.learning_period, 7200)
    assert.ok(!h.subscribed(), 'no entries are built for a disabled detector')
    await h.service.stop()
    const again = harness(storage)
    await again.service.load()
    assert.equal(again.service.config.path_depth, 3)
    assert.equal(again.service.config.enabled, false)
    await again.service.stop()
  })
})
