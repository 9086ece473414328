// The database secrets engine: connection configs, dynamic roles with leased users, static roles rotated on schedule.
import { defineBackend } from '../../../sdk/framework/backend.ts'
import { databaseInventory } from './inventory.ts'
import { configListPath, configPath, resetPath, rotateRootPath } from './path-config.ts'
import { credsPath, rolePath, rolesListPath } from './path-roles.ts'
import { rotateRolePath, staticCredsPath, staticRolePath, staticRolesListPath } from './path-static-roles.ts'
import { findPendingRoots, resolvePendingRoots } from './root-credentials.ts'
import { earliestDue, rotateDue } from './rotation.ts'
import { credsSecret } from './secret-creds.ts'
import { DbState } from './state.ts'

export const databaseBackend = defineBackend<DbState>({
  kind: 'secret',
  help:
    'The database backend issues database users on demand (PostgreSQL, MySQL/MariaDB, Redis) under leases, ' +
    'rotates the passwords of existing users on a schedule, and can rotate its own root password.',
  paths: [
    configListPath,
    configPath,
    resetPath,
    rotateRootPath,
    rolesListPath,
    rolePath,
    credsPath,
    staticRolesListPath,
    staticRolePath,
    staticCredsPath,
    rotateRolePath,
  ],
  setup: async ({ storage }) => {
    const state = new DbState()
    state.dueAt(await earliestDue(storage))
    for (const name of await findPendingRoots(storage)) state.pendingRoots.set(name, 0)
    return state
  },
  cleanup: (state) => state.connections.closeAll(),
  periodic: async (ctx) => {
    await resolvePendingRoots(ctx)
    await rotateDue(ctx)
  },
  secrets: [credsSecret],
  inventory: (ctx) => databaseInventory(ctx),
})
