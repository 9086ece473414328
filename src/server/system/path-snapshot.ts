// sys/storage/raft/snapshot(-force) and sys/storage/snapshot(-force): save and restore the whole storage, with sudo.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { rawBodyOf } from '../core/logical-request.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type SnapshotPathServices = Pick<SystemServices, 'snapshots'>

/**
 * Vault's raft paths, and the same under sys/storage/ (Coffer's storage is not raft). All need sudo, as in Vault,
 * whose snapshot endpoints are root-protected.
 */
export const SNAPSHOT_PATHS = [
  'storage/raft/snapshot',
  'storage/raft/snapshot-force',
  'storage/snapshot',
  'storage/snapshot-force',
]
export const SNAPSHOT_ROOT_PATHS = SNAPSHOT_PATHS

async function restore(services: SnapshotPathServices, body: Uint8Array | undefined, force: boolean) {
  if (body === undefined || body.byteLength === 0)
    throw new InvalidRequestError('the request body must be a snapshot file')
  await services.snapshots.restore(body, force)
  // Vault answers a restore with 204.
  return undefined
}

export function snapshotPaths(services: SnapshotPathServices) {
  return SNAPSHOT_PATHS.map((pattern) => {
    const force = pattern.endsWith('-force')
    return definePath({
      pattern,
      // The file is the body, not JSON fields: the adapter passes it raw, and none of it is audited.
      acceptAnyData: true,
      operations: {
        // Vault serves the snapshot from the plain path only; -force is restore-only.
        ...(force
          ? {}
          : {
              read: async () => ({
                raw: {
                  status: 200,
                  contentType: 'application/octet-stream',
                  body: await services.snapshots.save(),
                },
              }),
            }),
        update: ({ request }) => restore(services, rawBodyOf(request), force),
        create: ({ request }) => restore(services, rawBodyOf(request), force),
      },
      help: force
        ? 'Restore a snapshot even when its keys do not match this server; the server is left sealed.'
        : 'Read a snapshot of the whole (encrypted) storage, or restore one.',
    })
  })
}
