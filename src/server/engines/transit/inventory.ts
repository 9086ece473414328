// The transit engine's inventory for the compliance report: each key's type, versions and auto-rotation, no key material.
import type { InventoryItem } from '../../../sdk/inventory.ts'
import type { SystemView } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { KEY_PREFIX, loadKey } from './model.ts'

/** Each key as `<mount>keys/<name>`; its first version's time is its creation, its latest version's its last rotation. */
export async function* transitInventory(ctx: {
  storage: Storage
  system: SystemView
}): AsyncGenerator<InventoryItem> {
  for (const name of (await ctx.storage.list(KEY_PREFIX)).filter((key) => !key.endsWith('/'))) {
    const key = await loadKey(ctx.storage, name)
    if (!key) continue
    const seconds = (version: number) => key.versions[String(version)]?.time
    const first = seconds(Math.max(1, key.min_available_version))
    const last = seconds(key.latest_version)
    const lastMs = last !== undefined ? last * 1000 : undefined
    yield {
      kind: 'transit-key',
      path: `${ctx.system.mount.path}keys/${name}`,
      name,
      ...(first !== undefined ? { created: first * 1000 } : {}),
      ...(lastMs !== undefined ? { updated: lastMs } : {}),
      versions: key.latest_version,
      details: { type: key.type, latest_version: key.latest_version, exportable: key.exportable },
      ...(key.auto_rotate_period > 0
        ? {
            rotation: {
              policy: `auto_rotate_period ${key.auto_rotate_period}s`,
              periodSeconds: key.auto_rotate_period,
              enabled: true,
              ...(lastMs !== undefined ? { lastRotated: lastMs } : {}),
              ...(lastMs !== undefined ? { nextRotation: lastMs + key.auto_rotate_period * 1000 } : {}),
            },
          }
        : {}),
    }
  }
}
