// The anomaly service: reads the audit stream off the request path, runs the detector, keeps and reports anomalies.
import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto'
import { type AnomalyConfig, AnomalyConfigError, mergeAnomalyConfig } from '../../../lib/anomaly-config.ts'
import { hmacSha256Hex, sha256Hex } from '../../../lib/hash.ts'
import type { Logger } from '../../../lib/logger.ts'
import { timeOrderedId } from '../../../lib/random.ts'
import type { Clock } from '../../../lib/time.ts'
import { rfc3339 } from '../../../lib/time.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { getJson, putJson, type Storage } from '../../../sdk/storage.ts'
import type { AuditBroker } from '../../audit/broker.ts'
import { type AuditEntry, buildEntry } from '../../audit/entry.ts'
import type { AuditExemptions } from '../../audit/hmac.ts'
import type { EventBus, EventOrigin } from '../events/event-bus.ts'
import { type TokenEntry, USES_SPENT } from '../token/token-entry.ts'
import { type Anomaly, anomalyView } from './anomaly.ts'
import type { BaselineData } from './baseline.ts'
import { AnomalyDetector, type Detection, type DetectorState, type KnownToken } from './detector.ts'
import { observe } from './observation.ts'

export const ANOMALY_EVENT = 'anomaly/detected'

/** Entries waiting for the detector; past this the newest are dropped and counted, never the request slowed. */
export const DEFAULT_QUEUE_LIMIT = 100_000
/** Entries the detector takes per turn of the event loop, so a backlog never holds requests up for long. */
const BATCH = 2_000
/** Anomalies kept; the oldest go first. */
export const MAX_ANOMALIES = 10_000
const FLUSH_INTERVAL_MS = 30_000

/** The anomaly's fields in its audit entry stay in clear (they are the detector's own words, no secret values). */
const AUDIT_EXEMPT: AuditExemptions = Object.freeze({
  request: [],
  response: Object.freeze([
    'id',
    'type',
    'score',
    'explanation',
    'entity_id',
    'display_name',
    'role',
    'access_key_id',
    'auth_method',
    'path',
    'remote_address',
    'note',
    'acknowledged_by',
  ]),
})

/** Counters the metrics layer publishes: anomalies by type, and entries dropped because the queue was full. */
export interface AnomalyCounters {
  readonly anomalies: Record<string, number>
  anomalyEntriesDropped: number
}

export interface AnomalyServiceOptions {
  /** A view of core storage behind the barrier (core/anomalies/). */
  storage: Storage
  audit: Pick<AuditBroker, 'subscribe' | 'record'>
  events: Pick<EventBus, 'publish'>
  /** Where anomaly events come from: the sys/ mount. */
  origin: () => EventOrigin
  clock: Clock
  logger: Logger
  counters: AnomalyCounters
  /** The config file's block (defaults when absent); a config set through the API replaces it. */
  config: AnomalyConfig
  queueLimit?: number
  flushIntervalMs?: number
}

export class AnomalyService {
  readonly #opts: AnomalyServiceOptions
  #detector: AnomalyDetector
  #key: KeyObject | undefined
  readonly #tokenKeys = new Map<string, string>()
  readonly #queue: AuditEntry[] = []
  #head = 0
  #scheduled = false
  #unsubscribe: (() => void) | undefined
  #flushTimer: NodeJS.Timeout | undefined
  /** Newest last; the API lists them newest first. */
  readonly #anomalies: Anomaly[] = []
  readonly #byId = new Map<string, Anomaly>()
  /** Writes behind the barrier still running, so stop() can wait for them. */
  readonly #writes = new Set<Promise<unknown>>()
  #idle: PromiseWithResolvers<void> | undefined

  constructor(opts: AnomalyServiceOptions) {
    this.#opts = opts
    this.#detector = new AnomalyDetector(opts.config)
  }

  get config(): AnomalyConfig {
    return this.#detector.config
  }

  /** Loads the key, the stored config, state and anomalies, then subscribes to the audit stream if enabled. */
  async load(): Promise<void> {
    const storage = this.#opts.storage
    let raw = await storage.get('key')
    if (!raw) {
      raw = randomBytes(32)
      await storage.put('key', raw)
    }
    this.#key = createSecretKey(Buffer.from(raw))
    const stored = await getJson<AnomalyConfig>(storage, 'config')
    if (stored) this.#detector.configure(stored)
    const meta = await getJson<Partial<DetectorState>>(storage, 'meta')
    const state: Partial<DetectorState> = { ...(meta ?? {}), baselines: {}, readers: {}, tokens: {} }
    for (const name of await storage.list('tokens/')) {
      const shard = await getJson<Record<string, KnownToken>>(storage, `tokens/${name}`)
      if (shard) Object.assign(state.tokens!, shard)
    }
    for (const name of await storage.list('baseline/')) {
      const data = await getJson<{ key: string; baseline: BaselineData }>(storage, `baseline/${name}`)
      if (data) state.baselines![data.key] = data.baseline
    }
    for (const name of await storage.list('readers/')) {
      const data = await getJson<{ path: string; readers: string[] }>(storage, `readers/${name}`)
      if (data) state.readers![data.path] = data.readers
    }
    this.#detector.restore(state)
    const anomalies: Anomaly[] = []
    for (const id of await storage.list('alert/')) {
      const a = await getJson<Anomaly>(storage, `alert/${id}`)
      if (a) anomalies.push(a)
    }
    anomalies.sort((x, y) => x.time - y.time || (x.id < y.id ? -1 : 1))
    for (const a of anomalies) this.#keep(a)
    this.#subscription()
    const every = this.#opts.flushIntervalMs ?? FLUSH_INTERVAL_MS
    this.#flushTimer = setInterval(() => void this.flush().catch((e) => this.#warn('flush', e)), every)
    this.#flushTimer.unref()
  }

  /** Seal or shutdown: stop reading, finish what is queued, and write the state behind the barrier. */
  async stop(): Promise<void> {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    if (this.#flushTimer) clearInterval(this.#flushTimer)
    this.#flushTimer = undefined
    this.#drain(Number.POSITIVE_INFINITY)
    // Never fails the seal: after a snapshot restore the barrier is already sealed (and the stored state is the
    // snapshot's, which must not be overwritten); what could not be written is logged and lost.
    await this.flush().catch((error: unknown) => this.#warn('final flush', error))
  }

  #subscription(): void {
    const on = this.#detector.config.enabled
    if (on && !this.#unsubscribe)
      this.#unsubscribe = this.#opts.audit.subscribe((entry) => this.enqueue(entry))
    else if (!on && this.#unsubscribe) {
      this.#unsubscribe()
      this.#unsubscribe = undefined
    }
  }

  /** The audit subscriber: queue and return at once; the detector runs on a later turn of the event loop. */
  enqueue(entry: AuditEntry): void {
    if (this.#queue.length - this.#head >= (this.#opts.queueLimit ?? DEFAULT_QUEUE_LIMIT)) {
      this.#opts.counters.anomalyEntriesDropped++
      return
    }
    this.#queue.push(entry)
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => {
        this.#scheduled = false
        this.#drain(BATCH)
      })
    }
  }

  /** Resolves once every entry queued so far has been through the detector (tests, the e2e). */
  settled(): Promise<void> {
    if (this.#head >= this.#queue.length) return Promise.resolve()
    this.#idle ??= Promise.withResolvers<void>()
    return this.#idle.promise
  }

  #drain(limit: number): void {
    const end = Math.min(this.#queue.length, this.#head + limit)
    const now = this.#opts.clock.now()
    for (; this.#head < end; this.#head++) {
      const entry = this.#queue[this.#head]!
      try {
        const obs = observe(entry, (token) => this.#tokenKey(token), now)
        if (obs) for (const found of this.#detector.process(obs)) this.#raise(found)
      } catch (error) {
        this.#warn('detector', error)
      }
    }
    if (this.#head >= this.#queue.length) {
      this.#queue.length = 0
      this.#head = 0
      this.#idle?.resolve()
      this.#idle = undefined
      return
    }
    // Under steady load the queue may never run empty: drop the evaluated front now and then so it stays small.
    if (this.#head > 50_000 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head)
      this.#head = 0
    }
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => {
        this.#scheduled = false
        this.#drain(BATCH)
      })
    }
  }

  /** The presented token under the detector's key (memoised: a client presents the same token again and again). */
  #tokenKey(token: string): string {
    let key = this.#tokenKeys.get(token)
    if (key === undefined) {
      key = hmacSha256Hex(this.#key!, token).slice(0, 32)
      if (this.#tokenKeys.size >= 10_000) this.#tokenKeys.clear()
      this.#tokenKeys.set(token, key)
    }
    return key
  }

  /** The token store revoked a token: unless it had expired or spent its uses, its further use is post_leak_use. */
  tokenRevoked(entry: Pick<TokenEntry, 'accessor' | 'expireTime' | 'numUses'>): void {
    if (!this.#detector.config.enabled) return
    const now = this.#opts.clock.now()
    if (entry.expireTime !== 0 && entry.expireTime <= now + 1000) return
    // A token revoked because its last use was taken is stored as spent (USES_SPENT) by the time it is revoked.
    if (entry.numUses === 1 || entry.numUses === USES_SPENT) return
    this.#detector.noteRevokedAccessor(entry.accessor, now)
  }

  #raise(found: Detection): void {
    const anomaly: Anomaly = {
      ...found,
      id: timeOrderedId(24, found.time),
      acknowledged: false,
      acknowledged_by: null,
      acknowledged_at: null,
      note: null,
    }
    this.#keep(anomaly)
    this.#opts.counters.anomalies[anomaly.type] = (this.#opts.counters.anomalies[anomaly.type] ?? 0) + 1
    this.#write(`alert/${anomaly.id}`, anomaly)
    this.#opts.logger.log('warn', 'access anomaly detected', {
      id: anomaly.id,
      type: anomaly.type,
      score: anomaly.score,
      explanation: anomaly.explanation,
    })
    this.#audit(anomaly, 'create')
    this.#publish(anomaly)
  }

  #keep(anomaly: Anomaly): void {
    this.#anomalies.push(anomaly)
    this.#byId.set(anomaly.id, anomaly)
    while (this.#anomalies.length > MAX_ANOMALIES) {
      const old = this.#anomalies.shift()!
      this.#byId.delete(old.id)
      this.#track(this.#opts.storage.delete(`alert/${old.id}`))
    }
  }

  /** An entry of its own in the audit log, so the anomaly is on record beside the requests that raised it. */
  #audit(anomaly: Anomaly, operation: 'create' | 'update'): void {
    const view = anomalyView(anomaly)
    const entry = buildEntry({
      type: 'response',
      time: rfc3339(this.#opts.clock.now()),
      auth: { displayName: 'anomaly-detector', tokenType: 'default' },
      request: {
        id: anomaly.id,
        operation,
        mountPoint: 'sys/',
        mountType: 'system',
        path: `sys/anomalies/${anomaly.id}`,
        remoteAddress: anomaly.remote_address,
      },
      response: {
        data: {
          id: view.id,
          type: view.type,
          score: view.score,
          explanation: view.explanation,
          time: view.time,
          entity_id: view.identity.entity_id,
          display_name: view.identity.display_name,
          auth_method: view.identity.auth_method,
          ...(view.identity.role ? { role: view.identity.role } : {}),
          ...(view.identity.access_key_id ? { access_key_id: view.identity.access_key_id } : {}),
          path: view.path,
          remote_address: view.remote_address,
          acknowledged: view.acknowledged,
          ...(view.acknowledged_by !== null ? { acknowledged_by: view.acknowledged_by } : {}),
          ...(view.note !== null ? { note: view.note } : {}),
        },
      },
    })
    // No device enabled (or none recording): the anomaly is still kept and published; the log notes the gap.
    this.#track(this.#opts.audit.record(entry, AUDIT_EXEMPT).catch((e) => this.#warn('audit', e)))
  }

  #publish(anomaly: Anomaly): void {
    const path = `sys/anomalies/${anomaly.id}`
    this.#opts.events.publish({
      type: ANOMALY_EVENT,
      metadata: {
        path,
        data_path: path,
        operation: 'create',
        modified: 'true',
        anomaly_id: anomaly.id,
        anomaly_type: anomaly.type,
        score: String(anomaly.score),
        explanation: anomaly.explanation,
        entity_id: anomaly.identity.entity_id,
        display_name: anomaly.identity.display_name,
        auth_method: anomaly.identity.auth_method,
        request_path: anomaly.path,
        remote_address: anomaly.remote_address,
      },
      dataPath: path,
      pluginInfo: this.#opts.origin(),
    })
  }

  /** Ids newest first; `acknowledged` filters on it. */
  list(acknowledged?: boolean): string[] {
    const out: string[] = []
    for (let i = this.#anomalies.length - 1; i >= 0; i--) {
      const a = this.#anomalies[i]!
      if (acknowledged === undefined || a.acknowledged === acknowledged) out.push(a.id)
    }
    return out
  }

  get(id: string): Anomaly | undefined {
    return this.#byId.get(id)
  }

  /**
   * Marks the anomaly acknowledged by `by`, once: the check and the change happen in one synchronous step, so of
   * concurrent acknowledgements exactly one succeeds and the others are refused.
   */
  async acknowledge(id: string, by: string, note: string | undefined): Promise<Anomaly | undefined> {
    const anomaly = this.#byId.get(id)
    if (!anomaly) return undefined
    if (anomaly.acknowledged)
      throw new InvalidRequestError(
        `anomaly ${id} was already acknowledged by ${anomaly.acknowledged_by ?? 'someone'}`,
      )
    anomaly.acknowledged = true
    anomaly.acknowledged_by = by
    anomaly.acknowledged_at = this.#opts.clock.now()
    anomaly.note = note === undefined || note === '' ? null : note
    try {
      await putJson(this.#opts.storage, `alert/${id}`, anomaly)
    } catch (error) {
      // Not stored: the acknowledgement did not happen, and may be made again.
      anomaly.acknowledged = false
      anomaly.acknowledged_by = null
      anomaly.acknowledged_at = null
      anomaly.note = null
      throw error
    }
    this.#audit(anomaly, 'update')
    return anomaly
  }

  /** Changes the config from the API's fields; refused with a 400 naming the bad key. Stored behind the barrier. */
  async configure(raw: Record<string, unknown>): Promise<AnomalyConfig> {
    let next: AnomalyConfig
    try {
      next = mergeAnomalyConfig(this.#detector.config, raw)
    } catch (error) {
      if (error instanceof AnomalyConfigError) throw new InvalidRequestError(error.message)
      throw error
    }
    await putJson(this.#opts.storage, 'config', next)
    this.#detector.configure(next)
    this.#subscription()
    return next
  }

  /** Writes the baselines, readers and token state changed since the last flush. */
  async flush(): Promise<void> {
    const dirty = this.#detector.takeDirty()
    const storage = this.#opts.storage
    const writes: Promise<unknown>[] = []
    for (const [key, baseline] of dirty.baselines)
      writes.push(putJson(storage, `baseline/${sha256Hex(key).slice(0, 32)}`, { key, baseline }))
    for (const [path, readers] of dirty.readers)
      writes.push(putJson(storage, `readers/${sha256Hex(path).slice(0, 32)}`, { path, readers }))
    for (const [shard, tokens] of dirty.tokenShards)
      writes.push(putJson(storage, `tokens/${shard.charCodeAt(0).toString(16)}`, tokens))
    if (dirty.meta) writes.push(putJson(storage, 'meta', dirty.meta))
    await Promise.all([...writes, ...this.#writes])
  }

  get queued(): number {
    return this.#queue.length - this.#head
  }

  #write(key: string, value: unknown): void {
    this.#track(putJson(this.#opts.storage, key, value).catch((e) => this.#warn('store', e)))
  }

  #track(p: Promise<unknown>): void {
    this.#writes.add(p)
    void p.finally(() => this.#writes.delete(p)).catch(() => undefined)
  }

  #warn(what: string, error: unknown): void {
    this.#opts.logger.log('warn', `anomaly detection: ${what} failed`, {
      error: error instanceof Error ? error.message : String(error),
    })
  }
}
