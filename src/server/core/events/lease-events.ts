// The lease/revoke event core publishes when the expiration manager has revoked a lease (expired or asked for).
import type { LeaseEntry } from '../expiration/lease-entry.ts'
import type { MountManager } from '../mount-manager.ts'
import type { EventBus } from './event-bus.ts'
import { originOf } from './event-origin.ts'

export const LEASE_REVOKE = 'lease/revoke'

/**
 * Applications holding a dynamic credential learn it is gone. Whoever may subscribe to the path that issued it
 * (e.g. database/creds/app) receives the event; the lease id is an identifier, not a credential.
 */
export function leaseRevokedEvent(
  bus: EventBus,
  mounts: Pick<MountManager, 'router'>,
  lease: LeaseEntry,
): void {
  const mount = lease.mountUuid ? mounts.router.byUuid(lease.mountUuid) : mounts.router.get(lease.mountPath)
  const entry = mount?.entry
  bus.publish({
    type: LEASE_REVOKE,
    metadata: {
      path: lease.path,
      data_path: lease.path,
      lease_id: lease.leaseId,
      operation: 'revoke',
      modified: 'true',
    },
    dataPath: lease.path,
    pluginInfo: entry
      ? originOf(entry)
      : { mountClass: 'secret', mountAccessor: '', mountPath: lease.mountPath, plugin: '' },
  })
}
