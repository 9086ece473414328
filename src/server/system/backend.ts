// The sys/ backend: control-plane endpoints served through the same pipeline (ACL, audit) as every engine.
import { defineBackend } from '../../sdk/framework/backend.ts'
import type { Core } from '../core/core.ts'
import { auditPaths } from './path-audit.ts'
import { capabilitiesPaths } from './path-capabilities.ts'
import { INTERNAL_SPECS_UNAUTHENTICATED_PATHS, internalSpecsPaths } from './path-internal-specs.ts'
import { internalUiPaths } from './path-internal-ui.ts'
import { keyPaths } from './path-keys.ts'
import { leakPaths } from './path-leak.ts'
import { LEASE_ROOT_PATHS, leasePaths } from './path-leases.ts'
import { lockedUsersPaths } from './path-locked-users.ts'
import { mountsPaths } from './path-mounts.ts'
import { passwordPolicyPaths } from './path-password-policies.ts'
import { policyPaths } from './path-policies.ts'
import { REKEY_ROOT_PATHS, rekeyBackupPaths } from './path-rekey-backup.ts'
import { REMOUNT_ROOT_PATHS, remountPaths } from './path-remount.ts'
import { WRAPPING_UNAUTHENTICATED_PATHS, wrappingPaths } from './path-wrapping.ts'

export interface SystemBackendOptions {
  /** The server version the OpenAPI document reports. */
  version?: string
}

export function createSystemBackend(core: Core, opts: SystemBackendOptions = {}) {
  return defineBackend<unknown>({
    kind: 'secret',
    help: 'System endpoints: mounts, auth methods, policies, capabilities, keyring and seal.',
    specialPaths: {
      // Enabling or disabling an auth method, rotating the keyring and sealing need sudo, as in Vault.
      unauthenticated: [...WRAPPING_UNAUTHENTICATED_PATHS, ...INTERNAL_SPECS_UNAUTHENTICATED_PATHS],
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
      ],
    },
    paths: [
      ...auditPaths(core),
      ...mountsPaths(core),
      ...remountPaths(core),
      ...policyPaths(core),
      ...passwordPolicyPaths(core),
      ...capabilitiesPaths(core),
      ...internalUiPaths(core),
      ...internalSpecsPaths(core, opts.version ?? 'unknown'),
      ...keyPaths(core),
      ...rekeyBackupPaths(core),
      ...leasePaths(core),
      ...lockedUsersPaths(core),
      ...leakPaths(core),
      ...wrappingPaths(core),
    ],
  })
}
