// The database engine's inventory for the compliance report: static roles with their rotation, dynamic roles, no passwords.
import type { InventoryItem } from '../../../sdk/inventory.ts'
import type { SystemView } from '../../../sdk/request.ts'
import { getJson, type Storage } from '../../../sdk/storage.ts'
import { nextCronTime, parseCron } from './cron.ts'
import type { DynamicRole, StaticRole } from './model.ts'

/** The longest gap among the next few firings of a static role's cron schedule; undefined when it cannot be read. */
function cronPeriodSeconds(schedule: string, now: number): number | undefined {
  try {
    const cron = parseCron(schedule)
    let at = nextCronTime(cron, now)
    let longest = 0
    for (let i = 0; i < 3; i++) {
      const next = nextCronTime(cron, at)
      longest = Math.max(longest, next - at)
      at = next
    }
    return longest > 0 ? Math.round(longest / 1000) : undefined
  } catch {
    return undefined
  }
}

/**
 * Static roles as `<mount>static-creds/<role>` with their rotation period or schedule, last rotation and
 * failures; dynamic roles as `<mount>creds/<role>`, marked dynamic: they hold no long-lived secret.
 */
export async function* databaseInventory(ctx: {
  storage: Storage
  system: SystemView
}): AsyncGenerator<InventoryItem> {
  const { storage, system } = ctx
  const mount = system.mount.path
  const now = system.now()
  for (const name of (await storage.list('static-role/')).filter((key) => !key.endsWith('/'))) {
    const role = await getJson<StaticRole>(storage, `static-role/${name}`)
    if (!role) continue
    const schedule = role.rotation_schedule !== ''
    const periodSeconds = schedule
      ? cronPeriodSeconds(role.rotation_schedule, now)
      : role.rotation_period > 0
        ? role.rotation_period
        : undefined
    yield {
      kind: 'database-static-role',
      path: `${mount}static-creds/${name}`,
      name,
      details: { db_name: role.db_name, username: role.username },
      rotation: {
        policy: schedule ? `schedule ${role.rotation_schedule}` : `rotation_period ${role.rotation_period}s`,
        ...(periodSeconds !== undefined ? { periodSeconds } : {}),
        enabled: true,
        ...(role.last_vault_rotation > 0 ? { lastRotated: role.last_vault_rotation } : {}),
        ...(role.next_rotation > 0 ? { nextRotation: role.next_rotation } : {}),
        failures: role.failures,
      },
    }
  }
  for (const name of (await storage.list('role/')).filter((key) => !key.endsWith('/'))) {
    const role = await getJson<DynamicRole>(storage, `role/${name}`)
    if (!role) continue
    yield {
      kind: 'database-role',
      path: `${mount}creds/${name}`,
      name,
      dynamic: true,
      details: { db_name: role.db_name, default_ttl: role.default_ttl, max_ttl: role.max_ttl },
    }
  }
}
