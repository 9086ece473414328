// The server's metrics registry: Vault's metric names, read from the core's plain counters when scraped.
import { Counter, collectDefaultMetrics, Gauge, type Metric, Registry } from 'prom-client'
import type { Timing } from '../../lib/timing.ts'
import { ANOMALY_TYPES } from '../core/anomalies/detector.ts'
import type { Core } from '../core/core.ts'
import type { MetricsExposition } from '../core/services.ts'
import { type CollectedMetric, timingSummary } from './timing-summary.ts'
import { vaultJson } from './vault-json.ts'

/** What an event sink reports of itself (events/sink.ts SinkStatus), read at each scrape. */
export interface SinkCounts {
  name: string
  delivered: number
  dropped: number
  failures: number
  pending: number
}

export interface MetricsSources {
  core: Pick<Core, 'sealed' | 'standby' | 'ha' | 'metrics' | 'barrier' | 'services'>
  sinks?: () => SinkCounts[]
}

export interface MetricsOptions {
  /** telemetry.prometheus_retention_time in seconds; 0 turns the Prometheus format off, as in Vault. */
  prometheusRetentionSeconds?: number
}

export class ServerMetrics implements MetricsExposition {
  readonly registry = new Registry()
  readonly #sources: MetricsSources
  readonly #prometheusEnabled: boolean
  /** The timings, by metric name, for the JSON form's Samples (which carry min and max). */
  readonly #timings = new Map<string, () => Timing | undefined>()
  /** The audit broker is rebuilt at each unseal; its last counts are kept while sealed so counters never vanish. */
  #lastAudit = { request: 0, response: 0, failure: 0 }

  constructor(sources: MetricsSources, opts: MetricsOptions = {}) {
    this.#sources = sources
    this.#prometheusEnabled = opts.prometheusRetentionSeconds !== 0
    const register = [this.registry]
    const core = sources.core
    collectDefaultMetrics({ register: this.registry, prefix: 'vault_runtime_' })
    this.#timing(
      'vault_core_handle_request',
      'Time to handle a request, in ms',
      () => core.metrics.handleRequest,
    )
    this.#timing(
      'vault_core_handle_login_request',
      'Time to handle a login request, in ms',
      () => core.metrics.handleLoginRequest,
    )
    this.#timing(
      'vault_barrier_get',
      'Time of barrier reads that reach storage, in ms',
      () => core.barrier.timings.get,
    )
    this.#timing('vault_barrier_put', 'Time of barrier writes, in ms', () => core.barrier.timings.put)
    new Counter({
      name: 'vault_token_creation',
      help: 'Tokens issued by requests, by auth method, mount, creation TTL bucket and token type',
      labelNames: ['auth_method', 'mount_point', 'creation_ttl', 'token_type'],
      registers: register,
      collect() {
        this.reset()
        for (const { count, ...labels } of core.metrics.tokenCreation.entries()) this.inc(labels, count)
      },
    })
    new Counter({
      name: 'vault_secret_lease_creation',
      help: 'Leases registered, by secrets engine, mount and creation TTL bucket',
      labelNames: ['secret_engine', 'mount_point', 'creation_ttl'],
      registers: register,
      collect() {
        this.reset()
        for (const { count, ...labels } of core.metrics.leaseCreation.entries()) this.inc(labels, count)
      },
    })
    const audit = () => this.#auditCounts()
    this.#counter('vault_audit_log_request', 'Request entries audited', () => audit().request)
    this.#counter('vault_audit_log_response', 'Response entries audited', () => audit().response)
    this.#counter(
      'vault_audit_log_request_failure',
      'Entries no audit device could record',
      () => audit().failure,
    )
    this.#counter(
      'coffer_rotation_started_total',
      'Secret rotations started',
      () => core.metrics.rotationStarted,
    )
    this.#counter(
      'coffer_rotation_succeeded_total',
      'Secret rotations that finished',
      () => core.metrics.rotationSucceeded,
    )
    this.#counter(
      'coffer_rotation_failed_total',
      'Secret rotation attempts that failed',
      () => core.metrics.rotationFailed,
    )
    this.#counter(
      'coffer_leak_fingerprint_checks_total',
      'Leak fingerprint checks answered (sys/leak/fingerprints)',
      () => core.metrics.leakChecks,
    )
    this.#counter(
      'coffer_leak_incidents_total',
      'Leak fingerprint checks that matched stored secrets: incidents to respond to',
      () => core.metrics.leakIncidents,
    )
    this.#counter(
      'coffer_leak_matched_secrets_total',
      'Stored secrets (path and field) found in leak fingerprint checks',
      () => core.metrics.leakMatchedSecrets,
    )
    new Gauge({
      name: 'vault_core_unsealed',
      help: '1 while the server is unsealed',
      registers: register,
      collect() {
        this.set(core.sealed ? 0 : 1)
      },
    })
    new Gauge({
      name: 'vault_core_active',
      help: '1 while this node serves requests itself (unsealed, and active when HA is on)',
      registers: register,
      collect() {
        this.set(!core.sealed && !core.standby ? 1 : 0)
      },
    })
    new Gauge({
      name: 'vault_expire_num_leases',
      help: 'Leases the expiration manager holds (exact below 50,000)',
      registers: register,
      collect() {
        this.set(core.sealed ? 0 : core.services.expiration.loadedLeaseCount)
      },
    })
    new Counter({
      name: 'vault_secret_access_count',
      help: 'Authorised requests by path, cut to the mount plus the configured depth',
      labelNames: ['path'],
      registers: register,
      collect() {
        this.reset()
        for (const [path, count] of core.metrics.secretAccess.entries()) this.inc({ path }, count)
      },
    })
    new Counter({
      name: 'coffer_anomalies_total',
      help: 'Access anomalies the detector raised, by type (docs/anomalies.md)',
      labelNames: ['type'],
      registers: register,
      collect() {
        this.reset()
        // Every type is reported, at 0 until raised, so rate() and alert rules see the series from the start.
        for (const type of ANOMALY_TYPES) this.inc({ type }, core.metrics.anomalies[type] ?? 0)
      },
    })
    this.#counter(
      'coffer_anomaly_entries_dropped_total',
      'Audit entries the anomaly detector had no room to queue (not evaluated)',
      () => core.metrics.anomalyEntriesDropped,
    )
    if (sources.sinks) this.#sinkCounters(sources.sinks)
  }

  async prometheus(): Promise<{ contentType: string; body: string } | undefined> {
    if (!this.#prometheusEnabled) return undefined
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }

  async json(): Promise<Record<string, unknown>> {
    return vaultJson(await this.registry.getMetricsAsJSON(), this.#timings, new Date())
  }

  #timing(name: string, help: string, timing: () => Timing | undefined): void {
    this.#timings.set(name, timing)
    this.registry.registerMetric(timingSummary(name, help, timing) as CollectedMetric as unknown as Metric)
  }

  #counter(name: string, help: string, value: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset()
        this.inc(value())
      },
    })
  }

  #sinkCounters(sinks: () => SinkCounts[]): void {
    const each = (name: string, help: string, pick: (s: SinkCounts) => number, type: 'counter' | 'gauge') => {
      const config = {
        name,
        help,
        labelNames: ['sink'],
        registers: [this.registry],
      }
      if (type === 'gauge')
        new Gauge({
          ...config,
          collect() {
            for (const sink of sinks()) this.set({ sink: sink.name }, pick(sink))
          },
        })
      else
        new Counter({
          ...config,
          collect() {
            this.reset()
            for (const sink of sinks()) this.inc({ sink: sink.name }, pick(sink))
          },
        })
    }
    each('coffer_event_sink_delivered_total', 'Events a sink delivered', (s) => s.delivered, 'counter')
    each('coffer_event_sink_dropped_total', 'Events a sink gave up on', (s) => s.dropped, 'counter')
    each('coffer_event_sink_failures_total', 'Failed delivery attempts', (s) => s.failures, 'counter')
    each('coffer_event_sink_pending', 'Events waiting for delivery', (s) => s.pending, 'gauge')
  }

  #auditCounts(): { request: number; response: number; failure: number } {
    if (!this.#sources.core.sealed) {
      const counts = this.#sources.core.services.audit.counts
      this.#lastAudit = { ...counts }
    }
    return this.#lastAudit
  }
}
