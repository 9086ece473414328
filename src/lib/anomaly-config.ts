// Anomaly detection settings: defaults, and one parser shared by the config file block and sys/anomalies/config.
import { parseDuration } from './duration.ts'

/** The thresholds each detection compares against; names as the config block and the API spell them. */
export interface AnomalyThresholds {
  /** Alerts below this score are not raised (0..1). */
  min_score: number
  /** Requests an identity must have made (besides the learning period) before its baseline is trusted. */
  min_baseline_requests: number
  /** unusual_hour: an hour holding less than this share of the identity's requests is unusual. */
  unusual_hour_share: number
  /** rate_spike: requests in one minute at least this many times the identity's usual busy minute. */
  rate_spike_factor: number
  /** rate_spike: and at least this many requests in the minute. */
  rate_spike_min_requests: number
  /** denied_burst: refused requests from one identity or address within the window. */
  denied_burst_count: number
  denied_burst_window_seconds: number
  /** enumeration: distinct paths listed by one identity within the window. */
  enumeration_lists: number
  enumeration_window_seconds: number
  /** shared_secret_fanout: identities new to a secret reading it within the window. */
  fanout_identities: number
  fanout_window_seconds: number
  /** IPv4 and IPv6 prefix lengths that make a source network. */
  source_prefix_v4: number
  source_prefix_v6: number
  /** The same anomaly (type, identity, subject) is raised at most once per this many seconds. */
  cooldown_seconds: number
}

export interface AnomalyConfig {
  enabled: boolean
  /** Seconds from the first request seen before any alert is raised (per identity for the baseline detections). */
  learning_period: number
  /** Path segments after the mount kept in a baseline's paths. */
  path_depth: number
  /** IANA time zone the usual hours and weekdays are counted in. */
  time_zone: string
  thresholds: AnomalyThresholds
}

export const DEFAULT_THRESHOLDS: AnomalyThresholds = Object.freeze({
  min_score: 0.5,
  min_baseline_requests: 50,
  unusual_hour_share: 0.01,
  rate_spike_factor: 5,
  rate_spike_min_requests: 60,
  denied_burst_count: 10,
  denied_burst_window_seconds: 60,
  enumeration_lists: 20,
  enumeration_window_seconds: 60,
  fanout_identities: 5,
  fanout_window_seconds: 600,
  source_prefix_v4: 24,
  source_prefix_v6: 64,
  cooldown_seconds: 3600,
})

export const DEFAULT_ANOMALY_CONFIG: AnomalyConfig = Object.freeze({
  enabled: false,
  learning_period: 168 * 3600,
  path_depth: 2,
  time_zone: 'UTC',
  thresholds: DEFAULT_THRESHOLDS,
})

/** Each threshold's allowed range (whole numbers unless the low bound is fractional). */
const RANGES: Record<keyof AnomalyThresholds, [number, number, 'int' | 'float']> = {
  min_score: [0, 1, 'float'],
  min_baseline_requests: [0, 1_000_000, 'int'],
  unusual_hour_share: [0, 1, 'float'],
  rate_spike_factor: [1, 1_000_000, 'float'],
  rate_spike_min_requests: [1, 10_000_000, 'int'],
  denied_burst_count: [1, 1_000_000, 'int'],
  denied_burst_window_seconds: [1, 86_400, 'int'],
  enumeration_lists: [1, 1_000_000, 'int'],
  enumeration_window_seconds: [1, 86_400, 'int'],
  fanout_identities: [2, 100_000, 'int'],
  fanout_window_seconds: [1, 7 * 86_400, 'int'],
  source_prefix_v4: [0, 32, 'int'],
  source_prefix_v6: [0, 128, 'int'],
  cooldown_seconds: [0, 30 * 86_400, 'int'],
}

export const THRESHOLD_NAMES = Object.keys(RANGES) as (keyof AnomalyThresholds)[]
export const CONFIG_KEYS = ['enabled', 'learning_period', 'path_depth', 'time_zone', 'thresholds']

/** Thrown with a message naming the key; the config file turns it into a ConfigError, the API into a 400. */
export class AnomalyConfigError extends Error {}

function fail(key: string, problem: string): never {
  throw new AnomalyConfigError(`${key}: ${problem}`)
}

function toBool(value: unknown, key: string): boolean {
  if (typeof value === 'boolean') return value
  if (value === 'true' || value === 'false') return value === 'true'
  return fail(key, 'must be true or false')
}

function toNumber(value: unknown, key: string, [min, max, kind]: [number, number, 'int' | 'float']): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (
    typeof n !== 'number' ||
    !Number.isFinite(n) ||
    n < min ||
    n > max ||
    (kind === 'int' && !Number.isInteger(n))
  )
    fail(key, `must be a ${kind === 'int' ? 'whole number' : 'number'} from ${min} to ${max}`)
  return n as number
}

/** Whether Intl knows the zone; an unknown one would silently count hours in UTC otherwise. */
export function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/**
 * `base` with the keys `raw` sets changed; unknown keys and bad values are refused with a message naming them.
 * `where` prefixes keys in messages (the config file's "anomaly_detection").
 */
export function mergeAnomalyConfig(
  base: AnomalyConfig,
  raw: Record<string, unknown>,
  where = '',
): AnomalyConfig {
  const key = (name: string) => (where === '' ? name : `${where}.${name}`)
  for (const name of Object.keys(raw))
    if (!CONFIG_KEYS.includes(name)) fail(key(name), `unknown key (supported: ${CONFIG_KEYS.join(', ')})`)
  const out: AnomalyConfig = { ...base, thresholds: { ...base.thresholds } }
  if (raw['enabled'] !== undefined) out.enabled = toBool(raw['enabled'], key('enabled'))
  if (raw['learning_period'] !== undefined) {
    try {
      out.learning_period = parseDuration(raw['learning_period'], key('learning_period'))
    } catch (error) {
      fail(key('learning_period'), (error as Error).message.replace(/^[^:]*: /, ''))
    }
  }
  if (raw['path_depth'] !== undefined)
    out.path_depth = toNumber(raw['path_depth'], key('path_depth'), [0, 32, 'int'])
  if (raw['time_zone'] !== undefined) {
    const zone = raw['time_zone']
    if (typeof zone !== 'string' || !validTimeZone(zone))
      fail(key('time_zone'), 'must be an IANA time zone such as "UTC" or "Europe/Paris"')
    out.time_zone = zone
  }
  const thresholds = raw['thresholds']
  if (thresholds !== undefined) {
    if (thresholds === null || typeof thresholds !== 'object' || Array.isArray(thresholds))
      fail(key('thresholds'), 'must be an object of threshold names to numbers')
    for (const [name, value] of Object.entries(thresholds as Record<string, unknown>)) {
      const range = RANGES[name as keyof AnomalyThresholds]
      if (range === undefined || !Object.hasOwn(RANGES, name))
        fail(`${key('thresholds')}.${name}`, `unknown threshold (supported: ${THRESHOLD_NAMES.join(', ')})`)
      out.thresholds[name as keyof AnomalyThresholds] = toNumber(value, `${key('thresholds')}.${name}`, range)
    }
  }
  return out
}
