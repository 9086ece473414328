// The `creds` secret: core calls renew (extend the user's expiry) and revoke (drop the user) with the lease's internal data.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { SecretDefinition } from '../../../sdk/framework/backend.ts'
import { databaseError } from './connections.ts'
import { configSecrets, loadRole } from './model.ts'
import type { DbState } from './state.ts'
import { withConfig } from './with-config.ts'

interface CredsInternal {
  username: string
  role: string
  db_name: string
  revocation_statements?: string[]
  renew_statements?: string[]
  issued_at?: number
  max_ttl?: number
}

function internalOf(raw: Record<string, unknown>): CredsInternal {
  const { username, role, db_name: dbName } = raw
  if (typeof username !== 'string' || typeof role !== 'string' || typeof dbName !== 'string')
    throw new InvalidRequestError('lease is missing the database user it was issued for')
  return raw as unknown as CredsInternal
}

export const credsSecret: SecretDefinition<DbState> = {
  type: 'creds',

  renew: async ({ storage, state, system }, raw, lease) => {
    const internal = internalOf(raw)
    const role = await loadRole(storage, internal.role)
    const now = system.now()
    let ttl = lease.increment > 0 ? lease.increment : role?.default_ttl || system.defaultLeaseTtl
    // Vault's CalculateTTL: the role's max_ttl and the mount's maximum as they are now (a tightened role or mount
    // shortens leases already out; the copy in the lease covers a deleted role), counted from when it was issued.
    const roleMax = role ? role.max_ttl : (internal.max_ttl ?? 0)
    const maxTtl = roleMax > 0 && roleMax < system.maxLeaseTtl ? roleMax : system.maxLeaseTtl
    if (internal.issued_at !== undefined && maxTtl > 0) {
      const left = Math.floor((internal.issued_at + maxTtl * 1000 - now) / 1000)
      // Refused before the database is touched: a renewal to "now" would lock the user out while its lease lives.
      if (left <= 0) throw new InvalidRequestError('past the max TTL, cannot renew')
      ttl = Math.min(ttl, left)
    }
    await withConfig({ storage, state, system }, internal.db_name, async (config, use) => {
      try {
        await use((connection) =>
          connection.renewUser(
            internal.username,
            new Date(now + ttl * 1000),
            role?.renew_statements ?? internal.renew_statements ?? [],
          ),
        )
      } catch (error) {
        throw databaseError(error, configSecrets(config), 'unable to renew database user')
      }
    })
    return { ttl }
  },

  revoke: async ({ storage, state, system }, raw) => {
    const internal = internalOf(raw)
    // The role's current statements win; the copy in the lease covers a role deleted since.
    const role = await loadRole(storage, internal.role)
    const statements = role?.revocation_statements ?? internal.revocation_statements ?? []
    await withConfig({ storage, state, system }, internal.db_name, async (config, use) => {
      try {
        await use((connection) => connection.deleteUser(internal.username, statements))
      } catch (error) {
        throw databaseError(error, configSecrets(config), 'unable to revoke database user')
      }
    })
    system.log('info', 'revoked database user', {
      role: internal.role,
      db_name: internal.db_name,
      username: internal.username,
    })
  },
}
