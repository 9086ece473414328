// sys/remount (move a secrets engine or auth method to a new path) and sys/remount/status/:migration_id.
import { definePath, type HandlerContext } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import type { LogicalResponse } from '../../sdk/request.ts'
import type { SystemServices } from '../core/services.ts'
import { checkRemount } from './remount-checks.ts'

/** The services this file uses. */
export type RemountServices = Pick<SystemServices, 'mounts'>

/** Moving a mount needs sudo, as in Vault; reading a move's status does not. */
export const REMOUNT_ROOT_PATHS = ['remount']

const remountFields = { from: f.string(), to: f.string() }

export function remountPaths(services: RemountServices) {
  const start = ({ input }: HandlerContext<typeof remountFields>): LogicalResponse => {
    const { from, to } = checkRemount(input.from, input.to, services.mounts.router)
    const id = services.mounts.startMove(from, to)
    // Vault answers 200 with the id at once and moves in the background (Vault ≥ 1.10); callers poll the status.
    return {
      data: { migration_id: id },
      warnings: [
        'Mount move has been queued. Its progress is reported in the server log under the returned migration_id',
      ],
    }
  }
  return [
    definePath({
      pattern: 'remount',
      fields: remountFields,
      operations: { update: start, create: start },
    }),
    definePath({
      pattern: 'remount/status/:migration_id',
      fields: { migration_id: f.string() },
      operations: {
        read: ({ params }) => {
          const id = params['migration_id']!
          const info = services.mounts.moves.get(id)
          // An unknown id reads as nothing (404), as in Vault.
          if (!info) return undefined
          return {
            data: {
              migration_id: id,
              migration_info: {
                source_mount: info.sourceMount,
                target_mount: info.targetMount,
                status: info.status,
              },
            },
          }
        },
      },
    }),
  ]
}
