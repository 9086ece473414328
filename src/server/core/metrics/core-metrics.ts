// The core's own counters, kept as plain numbers on the request path; the metrics layer publishes them when scraped.
import { Timing } from '../../../lib/timing.ts'
import { CreationCounter } from './creation-counter.ts'
import { PathAccessCounter } from './path-access.ts'

/** Mount plus two segments: a KV v2 read of secret/data/app/db counts as secret/data/app. */
export const DEFAULT_ACCESS_PATH_DEPTH = 2
export const DEFAULT_ACCESS_PATH_LIMIT = 500

export interface CoreMetricsOptions {
  /** Path segments kept after the mount in vault_secret_access_count's path label. */
  accessPathDepth?: number
  /** Distinct path labels before further paths are counted as "other". */
  accessPathLimit?: number
}

/**
 * Counters the pipeline bumps: each bump is a number increment (and one Map increment for the path access count),
 * because a prom-client observe per request costs more than the read it measures. Rotation outcomes arrive here
 * too, from the rotation listener the composition root wraps.
 */
export class CoreMetrics {
  readonly handleRequest = new Timing()
  readonly handleLoginRequest = new Timing()
  /** Tokens issued by requests, by auth method, mount, TTL bucket and token type (Vault's token.creation). */
  readonly tokenCreation = new CreationCounter<'auth_method' | 'mount_point' | 'token_type'>()
  /** Leases registered, by engine, mount and creation TTL bucket (Vault's secret.lease.creation). */
  readonly leaseCreation = new CreationCounter<'secret_engine' | 'mount_point'>()
  rotationStarted = 0
  rotationSucceeded = 0
  rotationFailed = 0
  /** sys/leak/fingerprints: checks answered, checks that matched stored secrets (incidents), secrets matched. */
  leakChecks = 0
  leakIncidents = 0
  leakMatchedSecrets = 0
  /** Anomalies raised, by type (core/anomalies/). */
  readonly anomalies: Record<string, number> = {}
  /** Audit entries the anomaly detector's queue had no room for. */
  anomalyEntriesDropped = 0
  readonly secretAccess: PathAccessCounter

  countRotation(kind: 'started' | 'succeeded' | 'failed'): void {
    if (kind === 'started') this.rotationStarted++
    else if (kind === 'succeeded') this.rotationSucceeded++
    else this.rotationFailed++
  }

  constructor(opts: CoreMetricsOptions = {}) {
    this.secretAccess = new PathAccessCounter(
      opts.accessPathDepth ?? DEFAULT_ACCESS_PATH_DEPTH,
      opts.accessPathLimit ?? DEFAULT_ACCESS_PATH_LIMIT,
    )
  }
}
