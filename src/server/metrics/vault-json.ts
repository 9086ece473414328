// sys/metrics' JSON form in Vault's shape (go-metrics' in-memory summary): Timestamp, Gauges, Counters, Samples.
import type { MetricObjectWithValues, MetricValue } from 'prom-client'
import type { Timing } from '../../lib/timing.ts'

type Labels = Record<string, string | number>

/** The Vault JSON name (go-metrics' dotted form) of each metric Vault also has; others keep their own name. */
export const VAULT_JSON_NAMES: Record<string, string> = {
  vault_core_handle_request: 'vault.core.handle_request',
  vault_core_handle_login_request: 'vault.core.handle_login_request',
  vault_token_creation: 'vault.token.creation',
  vault_secret_lease_creation: 'vault.secret.lease.creation',
  vault_expire_num_leases: 'vault.expire.num_leases',
  vault_audit_log_request: 'vault.audit.log_request',
  vault_audit_log_response: 'vault.audit.log_response',
  vault_audit_log_request_failure: 'vault.audit.log_request_failure',
  vault_barrier_get: 'vault.barrier.get',
  vault_barrier_put: 'vault.barrier.put',
  vault_core_unsealed: 'vault.core.unsealed',
  vault_core_active: 'vault.core.active',
}

/** Go's time.Time String() in UTC, as Vault's Timestamp reads: "2026-12-06 23:40:00 +0000 UTC". */
export function goTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`
}

function jsonName(name: string): string {
  return VAULT_JSON_NAMES[name] ?? name
}

/**
 * Coffer's counters are totals since start, so a counter's Count and Sum are that total and its Rate is per second
 * of uptime; Vault's are per ten-second interval. Samples are the timings (milliseconds, as Vault's).
 */
export function vaultJson(
  metrics: MetricObjectWithValues<MetricValue<string>>[],
  timings: Map<string, () => Timing | undefined>,
  now: Date,
): Record<string, unknown> {
  const gauges: Record<string, unknown>[] = []
  const counters: Record<string, unknown>[] = []
  const samples: Record<string, unknown>[] = []
  const uptime = Math.max(process.uptime(), 1)
  for (const metric of metrics) {
    const type = metric.type as unknown as string
    if (type === 'gauge') {
      for (const v of metric.values)
        gauges.push({ Name: jsonName(metric.name), Value: v.value, Labels: (v.labels ?? {}) as Labels })
    } else if (type === 'counter') {
      for (const v of metric.values) {
        const total = v.value
        counters.push({
          Name: jsonName(metric.name),
          Count: total,
          Rate: total / uptime,
          Sum: total,
          Min: total > 0 ? 1 : 0,
          Max: total > 0 ? 1 : 0,
          Mean: total > 0 ? 1 : 0,
          Stddev: 0,
          Labels: (v.labels ?? {}) as Labels,
        })
      }
    }
  }
  for (const [name, read] of timings) {
    const t = read()
    const count = t?.count ?? 0
    samples.push({
      Name: jsonName(name),
      Count: count,
      Rate: (t?.sum ?? 0) / uptime,
      Sum: t?.sum ?? 0,
      Min: count > 0 ? t!.min : 0,
      Max: count > 0 ? t!.max : 0,
      Mean: count > 0 ? t!.sum / count : 0,
      Stddev: 0,
      Labels: {},
    })
  }
  return { Timestamp: goTimestamp(now), Gauges: gauges, Points: [], Counters: counters, Samples: samples }
}
