// sys/locked-users (list) and sys/locked-users/:mount_accessor/unlock/:alias_identifier, over every auth method with user lockout.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type LockedUsersServices = Pick<SystemServices, 'mounts'>

/** Coffer has no namespaces: everything is reported under the root namespace, as Vault does without them. */
const ROOT_NAMESPACE = { namespace_id: 'root', namespace_path: '' }

export function lockedUsersPaths(services: LockedUsersServices) {
  const authBackend = (accessor: string) => {
    const mount = services.mounts.entries.find(
      (entry) => entry.table === 'auth' && entry.accessor === accessor,
    )
    if (!mount) throw new InvalidRequestError(`no auth mount with accessor "${accessor}"`)
    return services.mounts.router.get(mount.path)?.backend
  }
  return [
    definePath({
      pattern: 'locked-users',
      fields: {
        mount_accessor: f.string({ description: 'Only this auth mount; every auth mount when absent.' }),
      },
      operations: {
        read: async ({ input }) => {
          const mounts = services.mounts.entries.filter(
            (entry) =>
              entry.table === 'auth' &&
              (input.mount_accessor ? entry.accessor === input.mount_accessor : true),
          )
          if (input.mount_accessor && mounts.length === 0)
            throw new InvalidRequestError(`no auth mount with accessor "${input.mount_accessor}"`)
          const byMount: { mount_accessor: string; counts: number; alias_identifiers: string[] }[] = []
          for (const mount of mounts) {
            const aliases = (await services.mounts.router.get(mount.path)?.backend.lockedUsers()) ?? []
            if (aliases.length > 0)
              byMount.push({
                mount_accessor: mount.accessor,
                counts: aliases.length,
                alias_identifiers: aliases,
              })
          }
          // Vault lists the mounts with the most locked users first.
          byMount.sort((a, b) => b.counts - a.counts || a.mount_accessor.localeCompare(b.mount_accessor))
          const total = byMount.reduce((sum, m) => sum + m.counts, 0)
          return {
            data: {
              by_namespace:
                total === 0 ? [] : [{ ...ROOT_NAMESPACE, counts: total, mount_accessors: byMount }],
              total,
            },
          }
        },
      },
    }),
    definePath({
      pattern: 'locked-users/:mount_accessor/unlock/*alias_identifier',
      fields: {
        mount_accessor: f.string({ required: true }),
        alias_identifier: f.string({
          required: true,
          description: 'The username, or the role ID for AppRole.',
        }),
      },
      operations: {
        update: async ({ input }) => {
          const backend = authBackend(input.mount_accessor!)
          if (!backend?.definition.userLockout)
            throw new InvalidRequestError(`the auth method at "${input.mount_accessor}" has no user lockout`)
          // Unlocking a user who is not locked is not an error, as in Vault.
          await backend.unlockUser(input.alias_identifier!)
          return undefined
        },
      },
    }),
  ]
}
