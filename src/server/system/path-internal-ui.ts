// sys/internal/ui/mounts: the mount (and KV version) behind a path, which `vault kv` asks before every command.
import { PermissionDeniedError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import type { Caller } from '../../sdk/request.ts'
import type { MountEntry } from '../core/mount-table.ts'
import type { SystemServices } from '../core/services.ts'
import { mountView, tableKey } from './mount-view.ts'

/** The services this file uses. */
export type InternalUiServices = Pick<SystemServices, 'mounts' | 'policies'>

/** Whether the caller's merged rules reach into the mount (Vault's hasMountAccess); root sees every mount. */
export async function canSee(
  services: InternalUiServices,
  caller: Caller | undefined,
  entry: MountEntry,
): Promise<boolean> {
  if (!caller) return false
  if (caller.policies.includes('root')) return true
  return (await services.policies.acl(caller.policies)).reachesMount(entry.path)
}

/**
 * Unauthenticated, as in Vault: the UI asks for the mount list before anyone logs in, and then sees only the mounts
 * tuned `listing_visibility=unauth`, each as its type, description and options alone.
 */
export const INTERNAL_UI_UNAUTHENTICATED_PATHS = ['internal/ui/mounts']

export function internalUiPaths(services: InternalUiServices) {
  return [
    definePath({
      pattern: 'internal/ui/mounts',
      operations: {
        read: async ({ request }) => {
          const secret: Record<string, unknown> = {}
          const auth: Record<string, unknown> = {}
          const caller = request.caller
          for (const entry of services.mounts.entries) {
            const listed = entry.config.listingVisibility === 'unauth'
            if (!listed && !(await canSee(services, caller, entry))) continue
            const view = caller
              ? mountView(entry)
              : { type: entry.type, description: entry.description, options: entry.options }
            if (entry.table === 'auth') auth[tableKey(entry)] = view
            else secret[entry.path] = view
          }
          return { data: { secret, auth } }
        },
      },
    }),
    definePath({
      pattern: 'internal/ui/mounts/*path',
      operations: {
        read: async ({ params, request }) => {
          const match = services.mounts.router.match(params['path']!.replace(/^\/+/, ''))
          if (!match || !(await canSee(services, request.caller, match.entry)))
            throw new PermissionDeniedError()
          return { data: { ...mountView(match.entry), path: tableKey(match.entry) } }
        },
      },
    }),
  ]
}
