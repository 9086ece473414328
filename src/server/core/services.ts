// Core's unsealed services: built once at unseal as one immutable record, handed to consumers as narrow views.
import type { Logger } from '../../lib/logger.ts'
import type { Clock } from '../../lib/time.ts'
import type { AuditBroker } from '../audit/broker.ts'
import type { Barrier } from '../barrier/barrier.ts'
import type { AnomalyService } from './anomalies/anomaly-service.ts'
import type { AuditedHeadersConfig } from './audited-headers.ts'
import type { ComplianceProviders } from './compliance/providers.ts'
import type { CorsConfig } from './cors-config.ts'
import type { EventBus } from './events/event-bus.ts'
import type { ExpirationManager } from './expiration/expiration-manager.ts'
import type { HaCoordinator } from './ha/coordinator.ts'
import type { IdentityStore } from './identity/identity-store.ts'
import type { InFlightRequests } from './in-flight.ts'
import type { KeyringRotation } from './keyring-rotation.ts'
import type { ListFilterMode } from './list-filter.ts'
import type { CoreMetrics } from './metrics/core-metrics.ts'
import type { MountManager } from './mount-manager.ts'
import type { PolicyStore } from './policy-store.ts'
import type { QuotaManager } from './quotas/quota-manager.ts'
import type { Rekey } from './rekey.ts'
import type { SnapshotSummary } from './snapshots.ts'
import type { TokenStore } from './token/token-store.ts'

/**
 * Everything a request needs once the core is unsealed. Core publishes the record only when every member has
 * loaded, and drops it whole at seal, so no consumer ever sees a part that is not there yet.
 */
export interface UnsealedServices {
  readonly tokens: TokenStore
  readonly policies: PolicyStore
  readonly identity: IdentityStore
  readonly audit: AuditBroker
  /** sys/config/auditing/request-headers: the request headers audit entries record (see audit/request-headers.ts). */
  readonly auditedHeaders: AuditedHeadersConfig
  readonly mounts: MountManager
  readonly expiration: ExpirationManager
  /** Change events: published after a request succeeds; subscribers and sinks listen. Outlives seal and unseal. */
  readonly events: EventBus
  readonly clock: Clock
  readonly logger: Logger
  readonly defaultLeaseTtl: number
  readonly maxLeaseTtl: number
  readonly listFilter: ListFilterMode
  /** The rate-limit quotas and sys/quotas/config. */
  readonly quotas: QuotaManager
  /** Request, login and token counters and the per-path access count; outlives seal and unseal like events. */
  readonly metrics: CoreMetrics
  /** Access-anomaly detection on the audit stream: baselines, anomalies, sys/anomalies (docs/anomalies.md). */
  readonly anomalies: AnomalyService
  /** sys/config/cors: the settings the HTTP layer applies to requests carrying an Origin header. */
  readonly cors: CorsConfig
  /** sys/rotate/config, and the automatic keyring rotation the active node's periodic timer checks. */
  readonly keyRotation: KeyringRotation
  /** The requests being answered now; outlives seal and unseal like the metrics. */
  readonly inFlight: InFlightRequests
}

/** Snapshots of the whole storage: taken raw, restored whole (see Core.restoreSnapshot). */
export interface SnapshotServices {
  save(): Promise<Uint8Array>
  restore(bytes: Uint8Array, force: boolean): Promise<SnapshotSummary>
}

/** What the sys/ backend reaches besides the unsealed services: the barrier, the rekey ceremony, sealing, snapshots. */
export interface ControlServices {
  readonly barrier: Barrier
  readonly rekey: Rekey
  sealVault(): Promise<void>
  /** Set when HA is enabled: step-down and the cluster's nodes. */
  readonly ha?: Pick<HaCoordinator, 'stepDown' | 'nodes' | 'leader'>
  readonly snapshots: SnapshotServices
  /** sys/metrics: the server's metrics, rendered when read (absent in tests that build the backend alone). */
  readonly metricsExposition?: MetricsExposition
  /** sys/reports/compliance: where access reviews and anomalies are read from (absent: those sections say so). */
  readonly compliance?: ComplianceProviders
  /** sys/config/state/sanitized: the server's configuration with secrets left out (absent in backend-only tests). */
  readonly sanitizedConfig?: () => Record<string, unknown>
}

/** The server's metrics as text: built by the composition root, read by sys/metrics and the listener. */
export interface MetricsExposition {
  /** Prometheus text exposition format, with its content type; undefined when the format is turned off. */
  prometheus(): Promise<{ contentType: string; body: string } | undefined>
  /** Vault's JSON shape: Timestamp, Gauges, Counters, Samples. */
  json(): Promise<Record<string, unknown>>
}

/** The record the sys/ backend is built from; each of its path files takes a narrow view of it. */
export type SystemServices = UnsealedServices & ControlServices
