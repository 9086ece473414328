// sys/leases?type=irrevocable and sys/leases/count?type=irrevocable: the leases whose revocation gave up, by mount.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import type { LeaseEntry } from '../core/expiration/lease-entry.ts'
import type { SystemServices } from '../core/services.ts'

export type IrrevocableLeaseServices = Pick<SystemServices, 'expiration' | 'mounts'>

/** Vault's default cap on one listing, and the warning it gives when more were found. */
const DEFAULT_LIMIT = 10_000
const TRUNCATED_WARNING =
  'Command halted because many irrevocable leases were found. To emit the entire list, re-run the command with force set true.'

const fields = {
  type: f.string(),
  // Coffer has no namespaces: accepted, as Vault's clients send it, and meaning nothing more.
  include_child_namespaces: f.bool(),
  limit: f.string(),
}

/** `limit`: '' for Vault's default, 'none' for everything, or a positive whole number. */
function limitOf(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT
  if (raw.toLowerCase() === 'none') return Number.POSITIVE_INFINITY
  if (!/^\d+$/.test(raw)) throw new InvalidRequestError(`invalid 'limit' provided: ${JSON.stringify(raw)}`)
  const limit = Number(raw)
  if (limit < 1) throw new InvalidRequestError("limit must be 'none' or a positive integer")
  return limit
}

export function irrevocableLeasePaths(services: IrrevocableLeaseServices) {
  /** The accessor of the mount that issued the lease, wherever that mount is now; Vault's placeholder when gone. */
  const accessorOf = (lease: LeaseEntry): string =>
    services.mounts.entries.find((m) =>
      lease.mountUuid ? m.uuid === lease.mountUuid : m.path === lease.mountPath,
    )?.accessor ?? 'mount-accessor-not-found'
  // Only type=irrevocable is answered, as in Vault; any other type reads as nothing there (a 404).
  const irrevocable = (type: string | undefined) => type?.toLowerCase() === 'irrevocable'
  return [
    definePath({
      pattern: 'leases/count',
      fields,
      operations: {
        read: async ({ input }) => {
          if (!irrevocable(input.type)) return undefined
          const counts: Record<string, number> = {}
          const leases = await services.expiration.irrevocableLeases()
          for (const lease of leases) {
            const accessor = accessorOf(lease)
            counts[accessor] = (counts[accessor] ?? 0) + 1
          }
          return { data: { lease_count: leases.length, counts } }
        },
      },
    }),
    definePath({
      pattern: 'leases',
      fields,
      operations: {
        read: async ({ input }) => {
          if (!irrevocable(input.type)) return undefined
          const limit = limitOf(input.limit)
          const all = await services.expiration.irrevocableLeases()
          const shown = all.slice(0, limit)
          const leases = shown.map((lease) => ({
            lease_id: lease.leaseId,
            mount_id: accessorOf(lease),
            error: lease.lastRevokeError,
          }))
          return {
            data: { lease_count: leases.length, leases },
            ...(all.length > shown.length ? { warnings: [TRUNCATED_WARNING] } : {}),
          }
        },
      },
    }),
  ]
}
