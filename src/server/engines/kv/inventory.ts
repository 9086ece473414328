// The KV engine's inventory for the compliance report: v1 paths, v2 metadata and rotation configurations, no values.

import { rotationPeriod } from '../../../lib/rotation-period.ts'
import type { InventoryItem } from '../../../sdk/inventory.ts'
import type { SystemView } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { loadRotation } from './rotation-record.ts'
import { v1Entries, v2Secrets } from './stored-secrets.ts'

/**
 * v1 keeps no dates or versions: each entry is reported by path alone. v2 reports each secret as
 * `<mount>data/<path>` (the path clients read and the leak index names) with its metadata's dates, its
 * version count, its custom metadata keys and its rotation configuration when it has one.
 */
export async function* kvInventory(
  ctx: { storage: Storage; system: SystemView },
  version: 1 | 2,
): AsyncGenerator<InventoryItem> {
  const { storage, system } = ctx
  const mount = system.mount.path
  if (version === 1) {
    for await (const { path } of v1Entries(storage))
      yield { kind: 'kv', path: mount + path, name: path, details: { kv_version: 1 } }
    return
  }
  const now = system.now()
  for await (const { path, meta } of v2Secrets(storage)) {
    const item: InventoryItem = {
      kind: 'kv',
      path: `${mount}data/${path}`,
      name: path,
      created: meta.createdTime,
      updated: meta.updatedTime,
      versions: Object.keys(meta.versions).length,
      metadataKeys: Object.keys(meta.customMetadata ?? {}).sort(),
      details: { kv_version: 2, current_version: meta.currentVersion },
    }
    const rotation = await loadRotation(storage, path)
    if (rotation) {
      const period = rotationPeriod(rotation.rules, now)
      item.rotation = {
        policy: period.policy,
        ...(period.periodSeconds !== undefined ? { periodSeconds: period.periodSeconds } : {}),
        enabled: rotation.enabled,
        ...(rotation.lastRotatedDate !== undefined ? { lastRotated: rotation.lastRotatedDate } : {}),
        ...(rotation.nextRotationDate !== undefined ? { nextRotation: rotation.nextRotationDate } : {}),
        failures: rotation.inFlight?.attempts ?? 0,
        ...(rotation.lastFailure
          ? { lastFailure: { time: rotation.lastFailure.date, message: rotation.lastFailure.message } }
          : {}),
      }
    }
    yield item
  }
}
