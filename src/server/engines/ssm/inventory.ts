// The SSM engine's inventory for the compliance report: each parameter's name, type, dates and versions, no values.
import type { InventoryItem } from '../../../sdk/inventory.ts'
import type { SystemView } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { latest, loadAllRecords } from './model.ts'

/** Parameters have no rotation of their own: the report holds their age against its max-age rule. */
export async function* ssmInventory(ctx: {
  storage: Storage
  system: SystemView
}): AsyncGenerator<InventoryItem> {
  for (const record of await loadAllRecords(ctx.storage)) {
    const current = latest(record)
    const details: Record<string, string | number | boolean> = { type: current.type, tier: current.tier }
    if (current.keyId !== undefined) details['kms_key_id'] = current.keyId
    yield {
      kind: 'ssm',
      path: `${ctx.system.mount.path}parameters/${record.name.replace(/^\/+/, '')}`,
      name: record.name,
      created: record.versions[0]!.lastModifiedDate,
      updated: current.lastModifiedDate,
      versions: record.versions.length,
      metadataKeys: record.tags.map((tag) => tag.Key).sort(),
      details,
    }
  }
}
