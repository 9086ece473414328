// The config file's telemetry blocks: the top-level one (Prometheus output, path-access labels) and a listener's.

export interface TelemetryConfig {
  /** prometheus_retention_time, seconds; 0 turns the Prometheus format off, as in Vault. */
  prometheusRetentionSeconds?: number
  /** disable_hostname: accepted for Vault configs; Coffer never prefixes metric names with the host name. */
  disableHostname?: boolean
  /** secret_access_path_depth: path segments after the mount kept in vault_secret_access_count's path label. */
  secretAccessPathDepth?: number
  /** secret_access_path_limit: distinct path labels before the rest are counted as path="other". */
  secretAccessPathLimit?: number
}

export interface ListenerTelemetryConfig {
  /** unauthenticated_metrics_access: sys/metrics on this listener answers without a token, as in Vault. */
  unauthenticatedMetricsAccess: boolean
}

export interface TelemetryHelpers {
  fail(key: string, problem: string): never
  duration(value: unknown, where: string): number
  bool(value: unknown, where: string): boolean
}

const TELEMETRY_KEYS = [
  'prometheus_retention_time',
  'disable_hostname',
  'secret_access_path_depth',
  'secret_access_path_limit',
]
const LISTENER_TELEMETRY_KEYS = ['unauthenticated_metrics_access']

function checkObject(
  raw: unknown,
  where: string,
  allowed: string[],
  h: TelemetryHelpers,
): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    h.fail(where, 'must be a block such as telemetry { ... }')
  const body = raw as Record<string, unknown>
  for (const key of Object.keys(body))
    if (!allowed.includes(key))
      h.fail(where, `unknown key ${JSON.stringify(key)} (supported: ${allowed.join(', ')})`)
  return body
}

function wholeNumber(value: unknown, where: string, min: number, max: number, h: TelemetryHelpers): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max)
    h.fail(where, `must be a whole number from ${min} to ${max}`)
  return n as number
}

export function parseTelemetry(raw: unknown, h: TelemetryHelpers): TelemetryConfig {
  const body = checkObject(raw, 'telemetry', TELEMETRY_KEYS, h)
  const config: TelemetryConfig = {}
  if (body['prometheus_retention_time'] !== undefined)
    config.prometheusRetentionSeconds = h.duration(
      body['prometheus_retention_time'],
      'telemetry.prometheus_retention_time',
    )
  if (body['disable_hostname'] !== undefined)
    config.disableHostname = h.bool(body['disable_hostname'], 'telemetry.disable_hostname')
  if (body['secret_access_path_depth'] !== undefined)
    config.secretAccessPathDepth = wholeNumber(
      body['secret_access_path_depth'],
      'telemetry.secret_access_path_depth',
      0,
      32,
      h,
    )
  if (body['secret_access_path_limit'] !== undefined)
    config.secretAccessPathLimit = wholeNumber(
      body['secret_access_path_limit'],
      'telemetry.secret_access_path_limit',
      1,
      100_000,
      h,
    )
  return config
}

export function parseListenerTelemetry(
  raw: unknown,
  where: string,
  h: TelemetryHelpers,
): ListenerTelemetryConfig {
  const body = checkObject(raw, where, LISTENER_TELEMETRY_KEYS, h)
  const value = body['unauthenticated_metrics_access']
  return {
    unauthenticatedMetricsAccess:
      value === undefined ? false : h.bool(value, `${where}.unauthenticated_metrics_access`),
  }
}
