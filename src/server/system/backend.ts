// The sys/ backend: control-plane endpoints served through the same pipeline (ACL, audit) as every engine.
import { defineBackend } from '../../sdk/framework/backend.ts'
import type { SystemServices } from '../core/services.ts'
import { ACCESS_ROOT_PATHS, accessPaths, accessReviewsProvider } from './path-access.ts'
import { ANOMALY_ROOT_PATHS, anomaliesProvider, anomalyPaths } from './path-anomalies.ts'
import { auditPaths } from './path-audit.ts'
import { capabilitiesPaths } from './path-capabilities.ts'
import { AUDITING_ROOT_PATHS, auditingPaths } from './path-config-auditing.ts'
import { CORS_ROOT_PATHS, corsPaths } from './path-config-cors.ts'
import { CONFIG_STATE_ROOT_PATHS, configStatePaths } from './path-config-state.ts'
import { DECODE_TOKEN_UNAUTHENTICATED_PATHS, decodeTokenPaths } from './path-decode-token.ts'
import { eventsPaths } from './path-events.ts'
import { experimentsPaths } from './path-experiments.ts'
import { HA_ROOT_PATHS, haPaths } from './path-ha.ts'
import { HOST_INFO_ROOT_PATHS, hostInfoPaths } from './path-host-info.ts'
import { IN_FLIGHT_ROOT_PATHS, inFlightPaths } from './path-in-flight-req.ts'
import { INTERNAL_SPECS_UNAUTHENTICATED_PATHS, internalSpecsPaths } from './path-internal-specs.ts'
import { INTERNAL_UI_UNAUTHENTICATED_PATHS, internalUiPaths } from './path-internal-ui.ts'
import { resultantAclPaths } from './path-internal-ui-acl.ts'
import { keyPaths } from './path-keys.ts'
import { leakPaths } from './path-leak.ts'
import { LEASE_ROOT_PATHS, leasePaths } from './path-leases.ts'
import { irrevocableLeasePaths } from './path-leases-irrevocable.ts'
import { lockedUsersPaths } from './path-locked-users.ts'
import { LOGGER_ROOT_PATHS, loggerPaths } from './path-loggers.ts'
import { metricsPaths } from './path-metrics.ts'
import { mountsPaths } from './path-mounts.ts'
import { passwordPolicyPaths } from './path-password-policies.ts'
import { policyPaths } from './path-policies.ts'
import { quotaPaths } from './path-quotas.ts'
import { REKEY_ROOT_PATHS, rekeyBackupPaths } from './path-rekey-backup.ts'
import { REMOUNT_ROOT_PATHS, remountPaths } from './path-remount.ts'
import { reportPaths } from './path-reports.ts'
import { ROTATE_CONFIG_ROOT_PATHS, rotateConfigPaths } from './path-rotate-config.ts'
import { SNAPSHOT_ROOT_PATHS, snapshotPaths } from './path-snapshot.ts'
import { toolsPaths } from './path-tools.ts'
import { versionHistoryPaths } from './path-version-history.ts'
import { WRAPPING_UNAUTHENTICATED_PATHS, wrappingPaths } from './path-wrapping.ts'

export interface SystemBackendOptions {
  /** The server version the OpenAPI document reports. */
  version?: string
}

/**
 * The sys/ backend, built from core's services at unseal. Each path file takes a narrow view (its own
 * `...Services` type) listing exactly the services it uses.
 */
export function createSystemBackend(services: SystemServices, opts: SystemBackendOptions = {}) {
  return defineBackend<unknown>({
    kind: 'secret',
    help: 'System endpoints: mounts, auth methods, policies, capabilities, keyring and seal.',
    specialPaths: {
      // Enabling or disabling an auth method, rotating the keyring and sealing need sudo, as in Vault.
      unauthenticated: [
        ...WRAPPING_UNAUTHENTICATED_PATHS,
        ...INTERNAL_SPECS_UNAUTHENTICATED_PATHS,
        ...INTERNAL_UI_UNAUTHENTICATED_PATHS,
        ...DECODE_TOKEN_UNAUTHENTICATED_PATHS,
      ],
      root: [
        'auth/*',
        'rotate',
        'seal',
        'audit',
        'audit/*',
        'raw/*',
        ...LEASE_ROOT_PATHS,
        ...REMOUNT_ROOT_PATHS,
        ...REKEY_ROOT_PATHS,
        ...HA_ROOT_PATHS,
        ...SNAPSHOT_ROOT_PATHS,
        ...ACCESS_ROOT_PATHS,
        ...ANOMALY_ROOT_PATHS,
        ...CORS_ROOT_PATHS,
        ...AUDITING_ROOT_PATHS,
        ...LOGGER_ROOT_PATHS,
        ...ROTATE_CONFIG_ROOT_PATHS,
        ...IN_FLIGHT_ROOT_PATHS,
        ...HOST_INFO_ROOT_PATHS,
        ...CONFIG_STATE_ROOT_PATHS,
      ],
    },
    paths: [
      ...auditPaths(services),
      ...mountsPaths(services),
      ...remountPaths(services),
      ...policyPaths(services),
      ...passwordPolicyPaths(services),
      ...capabilitiesPaths(services),
      ...internalUiPaths(services),
      ...resultantAclPaths(services),
      ...internalSpecsPaths(services, opts.version ?? 'unknown'),
      ...keyPaths(services),
      ...rekeyBackupPaths(services),
      ...decodeTokenPaths(),
      ...leasePaths(services),
      ...irrevocableLeasePaths(services),
      ...lockedUsersPaths(services),
      ...leakPaths(services),
      ...wrappingPaths(services),
      ...haPaths(services),
      ...snapshotPaths(services),
      ...quotaPaths(services),
      ...corsPaths(services),
      ...auditingPaths(services),
      ...loggerPaths(services),
      ...rotateConfigPaths(services),
      ...eventsPaths(),
      ...experimentsPaths(),
      ...versionHistoryPaths(services),
      ...inFlightPaths(services),
      ...hostInfoPaths(services),
      ...toolsPaths(),
      ...configStatePaths(services),
      ...metricsPaths(services),
      ...accessPaths(services),
      // Reviews come from sys/access's own store unless the composition root registered another source.
      ...reportPaths(
        {
          ...services,
          compliance: {
            reviews: accessReviewsProvider(services),
            anomalies: anomaliesProvider(services),
            ...services.compliance,
          },
        },
        opts.version ?? 'unknown',
      ),
      ...anomalyPaths(services),
    ],
  })
}
