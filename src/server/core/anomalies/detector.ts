// The anomaly detector: learns baselines from observations and scores each against them, synchronously.

import type { AnomalyConfig } from '../../../lib/anomaly-config.ts'
import { Baseline, type BaselineData, MAX_NETWORKS, MAX_PATHS, MAX_SOURCES } from './baseline.ts'
import { LocalTime } from './local-time.ts'
import { networkOf } from './network.ts'
import type { AnomalyIdentity, Observation } from './observation.ts'
import { DistinctWindow, TimeWindow } from './windows.ts'

export const ANOMALY_TYPES = [
  'new_path',
  'unusual_hour',
  'new_source',
  'rate_spike',
  'denied_burst',
  'enumeration',
  'root_token',
  'shared_secret_fanout',
  'post_leak_use',
] as const
export type AnomalyType = (typeof ANOMALY_TYPES)[number]

/** What a detection found; the service gives it an id and keeps it. */
export interface Detection {
  type: AnomalyType
  score: number
  explanation: string
  /** Unix ms of the request that raised it. */
  time: number
  identity: AnomalyIdentity
  path: string
  remote_address: string
}

/** Bounds on the detector's shared state. */
const MAX_BASELINES = 100_000
const MAX_TOKENS = 200_000
const MAX_REVOKED = 100_000
const MAX_READ_PATHS = 100_000
const MAX_READERS_PER_PATH = 512

export interface KnownToken {
  accessor: string
  key: string
  identity: AnomalyIdentity
}

interface PathReaders {
  readers: Set<string>
  /** Arrivals of identities new to the path: when, and who. */
  arrivals: TimeWindow
  newcomers: string[]
}

/** The detector's learned state as stored (JSON behind the barrier). */
export interface DetectorState {
  start: number
  baselines: Record<string, BaselineData>
  readers: Record<string, string[]>
  tokens: Record<string, KnownToken>
  revokedAccessors: Record<string, number>
  revokedTokens: Record<string, number>
}

const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

function who(identity: AnomalyIdentity): string {
  return identity.display_name || identity.entity_id || 'an unknown caller'
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`
}

/** Path segments of `path` after its mount, cut to `depth` (the metrics' path label rule). */
export function pathKey(mount: string, path: string, depth: number): string {
  if (mount === '' || !path.startsWith(mount)) return path
  let end = mount.length
  for (let kept = 0; kept < depth && end < path.length; kept++) {
    const slash = path.indexOf('/', end)
    end = slash === -1 ? path.length : slash + 1
  }
  if (end > mount.length && path.charCodeAt(end - 1) === 0x2f) end--
  return end === path.length ? path : path.slice(0, end)
}

/**
 * Paths new_path leaves alone: sys/ and token paths carry ids (an anomaly's, a lease's, an accessor's), so each is
 * new by nature; a caller without the right to them is refused, which denied_burst counts.
 */
function isControlPath(path: string): boolean {
  return path.startsWith('sys/') || path.startsWith('auth/token/') || path.startsWith('cubbyhole/')
}

/** Paths whose readers are counted for shared_secret_fanout: secrets, not control-plane or login paths. */
function isSecretRead(obs: Observation): boolean {
  return (
    obs.operation === 'read' &&
    !obs.failed &&
    !obs.path.startsWith('sys/') &&
    !obs.path.startsWith('auth/') &&
    !obs.path.startsWith('cubbyhole/') &&
    !obs.path.startsWith('identity/')
  )
}

export class AnomalyDetector {
  #config: AnomalyConfig
  #local: LocalTime
  /** When the first observation arrived: the learning period runs from here. */
  #start = Number.NaN
  readonly #baselines = new Map<string, Baseline>()
  readonly #readers = new Map<string, PathReaders>()
  readonly #tokens = new Map<string, KnownToken>()
  readonly #revokedAccessors = new Map<string, number>()
  readonly #revokedTokens = new Map<string, number>()
  readonly #denied = new Map<string, TimeWindow>()
  readonly #lists = new Map<string, DistinctWindow>()
  readonly #cooldowns = new Map<string, number>()
  /** Keys of baselines and read paths changed since the last flush. */
  readonly dirtyBaselines = new Set<string>()
  readonly dirtyReaders = new Set<string>()
  /** The start and the revocations changed; token fingerprints changed in these shards (first character). */
  #dirtyMeta = false
  readonly #dirtyShards = new Set<string>()
  #sinceSweep = 0

  constructor(config: AnomalyConfig) {
    this.#config = config
    this.#local = new LocalTime(config.time_zone)
  }

  get config(): AnomalyConfig {
    return this.#config
  }

  configure(config: AnomalyConfig): void {
    if (config.time_zone !== this.#config.time_zone) this.#local = new LocalTime(config.time_zone)
    this.#config = config
  }

  get baselineCount(): number {
    return this.#baselines.size
  }

  /** Whether the detector-wide learning period is over at `time`. */
  learned(time: number): boolean {
    return Number.isFinite(this.#start) && time - this.#start >= this.#config.learning_period * 1000
  }

  /** A token revoked before its time (an operator's revocation, a leak response): its further use is post_leak_use. */
  noteRevokedAccessor(accessor: string, time: number): void {
    if (accessor === '') return
    capped(this.#revokedAccessors, MAX_REVOKED)
    this.#revokedAccessors.set(accessor, time)
    this.#dirtyMeta = true
  }

  process(obs: Observation): Detection[] {
    if (!Number.isFinite(this.#start)) {
      this.#start = obs.time
      this.#dirtyMeta = true
    }
    const out: Detection[] = []
    const t = this.#config.thresholds
    const learned = this.learned(obs.time)
    if (obs.revokes) this.#noteRevocation(obs)
    if (obs.unresolved) this.#postLeakUse(obs, out)
    else if (obs.tokenKey !== '' && obs.accessor !== '' && obs.known && !this.#tokens.has(obs.tokenKey)) {
      capped(this.#tokens, MAX_TOKENS)
      this.#tokens.set(obs.tokenKey, { accessor: obs.accessor, key: obs.key, identity: obs.identity })
      this.#dirtyShards.add(obs.tokenKey.charAt(0))
    }
    if (obs.denied) {
      // Probing without a valid token is counted against the address it comes from.
      const key = obs.known && !obs.unresolved ? obs.key : `a:${obs.remote}`
      let window = this.#denied.get(key)
      if (!window) {
        window = new TimeWindow()
        this.#denied.set(key, window)
      }
      const n = window.add(obs.time, t.denied_burst_window_seconds * 1000, t.denied_burst_count * 4)
      if (learned && n >= t.denied_burst_count)
        this.#raise(
          out,
          obs,
          'denied_burst',
          key,
          Math.min(1, 0.6 + (0.4 * (n - t.denied_burst_count)) / t.denied_burst_count),
          `${obs.known ? who(obs.identity) : `address ${obs.remote}`} had ${n} requests refused within ${t.denied_burst_window_seconds}s (threshold ${t.denied_burst_count}), the latest on ${obs.path}`,
        )
      this.#sweep(obs.time)
      return out
    }
    if (!obs.known) return out
    if (obs.operation === 'list') {
      let window = this.#lists.get(obs.key)
      if (!window) {
        window = new DistinctWindow()
        this.#lists.set(obs.key, window)
      }
      const n = window.add(obs.path, obs.time, t.enumeration_window_seconds * 1000, t.enumeration_lists * 4)
      if (learned && n >= t.enumeration_lists)
        this.#raise(
          out,
          obs,
          'enumeration',
          obs.key,
          Math.min(1, 0.6 + (0.4 * (n - t.enumeration_lists)) / t.enumeration_lists),
          `${who(obs.identity)} listed ${n} distinct paths within ${t.enumeration_window_seconds}s (threshold ${t.enumeration_lists}), the latest ${obs.path}`,
        )
    }
    if (obs.root && learned)
      this.#raise(
        out,
        obs,
        'root_token',
        obs.accessor || obs.key,
        0.9,
        `a root token (${who(obs.identity)}) was used for ${obs.operation} on ${obs.path}${obs.remote ? ` from ${obs.remote}` : ''}; root tokens are meant for emergencies only`,
      )
    this.#baseline(obs, learned, out)
    if (isSecretRead(obs)) this.#fanout(obs, learned, out)
    this.#sweep(obs.time)
    return out
  }

  #noteRevocation(obs: Observation): void {
    const { accessor, tokenKey } = obs.revokes!
    if (accessor) this.noteRevokedAccessor(accessor, obs.time)
    if (tokenKey) {
      capped(this.#revokedTokens, MAX_REVOKED)
      this.#revokedTokens.set(tokenKey, obs.time)
      const known = this.#tokens.get(tokenKey)
      if (known) this.noteRevokedAccessor(known.accessor, obs.time)
      this.#dirtyMeta = true
    }
  }

  #postLeakUse(obs: Observation, out: Detection[]): void {
    const known = this.#tokens.get(obs.tokenKey)
    const revokedAt =
      this.#revokedTokens.get(obs.tokenKey) ?? (known && this.#revokedAccessors.get(known.accessor))
    // A token that merely expired, or one never seen, is an ordinary refusal (counted by denied_burst).
    if (revokedAt === undefined || !known) return
    const identity = known.identity
    const ago = Math.max(0, Math.round((obs.time - revokedAt) / 1000))
    this.#raise(
      out,
      { ...obs, identity },
      'post_leak_use',
      obs.tokenKey,
      0.95,
      `a token of ${who(identity)} (accessor ${known.accessor}) was presented for ${obs.operation} on ${obs.path}${obs.remote ? ` from ${obs.remote}` : ''} ${ago}s after it was revoked: a revoked credential is being used`,
    )
  }

  #baseline(obs: Observation, learned: boolean, out: Detection[]): void {
    const c = this.#config
    const t = c.thresholds
    let b = this.#baselines.get(obs.key)
    if (!b) {
      if (this.#baselines.size >= MAX_BASELINES) return
      b = new Baseline(obs.identity, obs.time)
      this.#baselines.set(obs.key, b)
    }
    b.identity = obs.identity
    const trusted =
      learned && obs.time - b.first >= c.learning_period * 1000 && b.count >= t.min_baseline_requests
    const name = who(obs.identity)
    const [hour, weekday] = this.#local.at(obs.time)
    const path = pathKey(obs.mount, obs.path, c.path_depth)
    const network = obs.remote === '' ? '' : networkOf(obs.remote, t.source_prefix_v4, t.source_prefix_v6)
    const inMinute = b.countMinute(obs.time)
    if (trusted) {
      if (!b.paths.has(path) && b.paths.size < MAX_PATHS && !isControlPath(obs.path)) {
        const mountKnown = [...b.paths.keys()].some((p) => p.startsWith(obs.mount))
        const sample = [...b.paths.keys()].slice(0, 3).join(', ')
        this.#raise(
          out,
          obs,
          'new_path',
          `${obs.key}|${path}`,
          Math.min(1, (mountKnown ? 0.6 : 0.75) + 0.25 * Math.min(1, Math.log10(b.count) / 5)),
          `${name} accessed ${path} for the first time (${obs.operation}); its baseline holds ${b.paths.size} path(s), e.g. ${sample}${mountKnown ? '' : `, none under ${obs.mount}`}`,
        )
      }
      const prev = (hour + 23) % 24
      const next = (hour + 1) % 24
      const share = (b.hours[hour]! + 0.5 * (b.hours[prev]! + b.hours[next]!)) / b.count
      const dayShare = b.weekdays[weekday]! / b.count
      if (share < t.unusual_hour_share || dayShare === 0) {
        const score =
          dayShare === 0
            ? Math.max(0.7, 1 - share / Math.max(t.unusual_hour_share, 1e-9) / 2)
            : 0.5 + 0.5 * (1 - share / t.unusual_hour_share)
        this.#raise(
          out,
          obs,
          'unusual_hour',
          obs.key,
          Math.min(1, score),
          `${name} made a request at ${String(hour).padStart(2, '0')}:00 on a ${WEEKDAY_NAMES[weekday]} (${c.time_zone}); ${percent(b.hours[hour]! / b.count)} of its ${b.count} requests fall in that hour and ${percent(dayShare)} on that weekday`,
        )
      }
      if (network !== '' && !b.networks.has(network) && b.networks.size < MAX_NETWORKS) {
        const known = [...b.networks.keys()].slice(0, 3).join(', ')
        this.#raise(
          out,
          obs,
          'new_source',
          `${obs.key}|${network}`,
          Math.min(1, 0.65 + 0.3 * Math.min(1, Math.log10(b.count) / 5)),
          `${name} made a request from ${obs.remote}, in network ${network} it has never used (known: ${known || 'none'}); auth method ${obs.identity.auth_method}`,
        )
      }
      if (!b.minuteFlagged && b.rateMinutes >= 10) {
        const std = Math.sqrt(b.rateVar)
        const limit = Math.max(
          t.rate_spike_factor * b.rateMean,
          b.rateMean + 6 * std,
          t.rate_spike_min_requests,
        )
        if (inMinute >= limit) {
          b.minuteFlagged = true
          const ratio = inMinute / Math.max(b.rateMean, 1e-9)
          this.#raise(
            out,
            obs,
            'rate_spike',
            obs.key,
            Math.min(1, 0.6 + (0.4 * (ratio - t.rate_spike_factor)) / (t.rate_spike_factor * 2)),
            `${name} made ${inMinute} requests within a minute, ${ratio.toFixed(1)} times its usual ${b.rateMean.toFixed(1)} per busy minute (threshold ${t.rate_spike_factor}x and at least ${t.rate_spike_min_requests})`,
          )
        }
      }
    }
    // Learn: what was just seen becomes part of the baseline (an alert is raised once, not on every repeat).
    b.count++
    b.last = obs.time
    b.hours[hour]!++
    b.weekdays[weekday]!++
    Baseline.bump(b.paths, path, MAX_PATHS)
    if (obs.remote !== '') {
      Baseline.bump(b.sources, obs.remote, MAX_SOURCES)
      Baseline.bump(b.networks, network, MAX_NETWORKS)
    }
    Baseline.bump(b.methods, obs.identity.auth_method, 16)
    this.dirtyBaselines.add(obs.key)
  }

  #fanout(obs: Observation, learned: boolean, out: Detection[]): void {
    const t = this.#config.thresholds
    let state = this.#readers.get(obs.path)
    if (!state) {
      if (this.#readers.size >= MAX_READ_PATHS)
        this.#readers.delete(this.#readers.keys().next().value as string)
      state = { readers: new Set(), arrivals: new TimeWindow(), newcomers: [] }
      this.#readers.set(obs.path, state)
    }
    if (state.readers.has(obs.key)) return
    if (state.readers.size < MAX_READERS_PER_PATH) state.readers.add(obs.key)
    this.dirtyReaders.add(obs.path)
    const n = state.arrivals.add(obs.time, t.fanout_window_seconds * 1000, t.fanout_identities * 4)
    state.newcomers.push(who(obs.identity))
    if (state.newcomers.length > n) state.newcomers.splice(0, state.newcomers.length - n)
    // Only once the path's usual readers are known: during learning every reader is new.
    if (learned && n >= t.fanout_identities)
      this.#raise(
        out,
        obs,
        'shared_secret_fanout',
        obs.path,
        Math.min(1, 0.6 + (0.4 * (n - t.fanout_identities)) / t.fanout_identities),
        `${obs.path} was read by ${n} identities new to it within ${t.fanout_window_seconds}s (threshold ${t.fanout_identities}): ${state.newcomers.slice(-5).join(', ')}; it had ${state.readers.size - n} earlier reader(s)`,
      )
  }

  #raise(
    out: Detection[],
    obs: Observation,
    type: AnomalyType,
    subject: string,
    score: number,
    explanation: string,
  ): void {
    if (score < this.#config.thresholds.min_score) return
    const key = `${type}|${subject}`
    const last = this.#cooldowns.get(key)
    if (last !== undefined && obs.time - last < this.#config.thresholds.cooldown_seconds * 1000) return
    this.#cooldowns.set(key, obs.time)
    out.push({
      type,
      score: Math.round(score * 1000) / 1000,
      explanation,
      time: obs.time,
      identity: obs.identity,
      path: obs.path,
      remote_address: obs.remote,
    })
  }

  /** Drops idle windows and expired cooldowns now and then, so their maps stay as small as the live traffic. */
  #sweep(time: number): void {
    if (++this.#sinceSweep < 50_000) return
    this.#sinceSweep = 0
    const t = this.#config.thresholds
    const longest = Math.max(t.denied_burst_window_seconds, t.enumeration_window_seconds) * 1000
    for (const [key, w] of this.#denied) if (w.latest <= time - longest) this.#denied.delete(key)
    for (const [key, w] of this.#lists) if (w.latest <= time - longest) this.#lists.delete(key)
    for (const [key, at] of this.#cooldowns)
      if (time - at >= t.cooldown_seconds * 1000) this.#cooldowns.delete(key)
  }

  /**
   * The parts of the state changed since the last call (the service writes them behind the barrier): baselines and
   * readers by key, token fingerprints in shards by their first character (a busy server sees new tokens all the
   * time: only the shards that changed are written), and the start and revocations.
   */
  takeDirty(): {
    baselines: [string, BaselineData][]
    readers: [string, string[]][]
    tokenShards: [string, Record<string, KnownToken>][]
    meta?: Pick<DetectorState, 'start' | 'revokedAccessors' | 'revokedTokens'>
  } {
    const baselines: [string, BaselineData][] = []
    for (const key of this.dirtyBaselines) {
      const b = this.#baselines.get(key)
      if (b) baselines.push([key, b.toJSON()])
    }
    this.dirtyBaselines.clear()
    const readers: [string, string[]][] = []
    for (const path of this.dirtyReaders) {
      const r = this.#readers.get(path)
      if (r) readers.push([path, [...r.readers]])
    }
    this.dirtyReaders.clear()
    const shards = new Map<string, Record<string, KnownToken>>()
    for (const shard of this.#dirtyShards) shards.set(shard, {})
    if (shards.size > 0)
      for (const [key, token] of this.#tokens) {
        const shard = shards.get(key.charAt(0))
        if (shard) shard[key] = token
      }
    this.#dirtyShards.clear()
    const out: ReturnType<AnomalyDetector['takeDirty']> = { baselines, readers, tokenShards: [...shards] }
    if (this.#dirtyMeta) {
      this.#dirtyMeta = false
      out.meta = {
        start: this.#start,
        revokedAccessors: Object.fromEntries(this.#revokedAccessors),
        revokedTokens: Object.fromEntries(this.#revokedTokens),
      }
    }
    return out
  }

  /** The learning period's start, for the service to store alongside the baselines. */
  get start(): number {
    return this.#start
  }

  /** Restores stored state (at unseal). */
  restore(state: Partial<DetectorState>): void {
    if (state.start !== undefined && Number.isFinite(state.start)) this.#start = state.start
    for (const [key, data] of Object.entries(state.baselines ?? {}))
      this.#baselines.set(key, Baseline.from(data))
    for (const [path, readers] of Object.entries(state.readers ?? {}))
      this.#readers.set(path, { readers: new Set(readers), arrivals: new TimeWindow(), newcomers: [] })
    for (const [k, v] of Object.entries(state.tokens ?? {})) this.#tokens.set(k, v)
    for (const [k, v] of Object.entries(state.revokedAccessors ?? {})) this.#revokedAccessors.set(k, v)
    for (const [k, v] of Object.entries(state.revokedTokens ?? {})) this.#revokedTokens.set(k, v)
  }

  /** One identity's baseline, for explanations in the API and tests. */
  baseline(key: string): Baseline | undefined {
    return this.#baselines.get(key)
  }
}

/** Makes room for one more entry in a bounded map by dropping its oldest. */
function capped<V>(map: Map<string, V>, cap: number): void {
  if (map.size >= cap) map.delete(map.keys().next().value as string)
}
