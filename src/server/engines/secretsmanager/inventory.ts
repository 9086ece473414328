// The Secrets Manager engine's inventory for the compliance report: DescribeSecret's facts and rotation, no values.
import { rotationPeriod } from '../../../lib/rotation-period.ts'
import type { RotationRules } from '../../../lib/rotation-schedule.ts'
import { rfc3339 } from '../../../lib/time.ts'
import type { InventoryItem } from '../../../sdk/inventory.ts'
import type { SystemView } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { accessOf } from './access.ts'
import { arnOf, DEFAULT_ACCOUNT_ID, DEFAULT_REGION } from './context.ts'
import { loadAllRecords } from './model.ts'
import type { SmState } from './state.ts'

/**
 * Each secret as `<mount>secrets/<name>` (the path the leak index names). A secret scheduled for deletion is
 * still held, so it is listed, marked. `last_accessed` is LastAccessedDate in the primary region (RFC 3339,
 * midnight UTC of the last day its value was read), absent for a secret never read there.
 */
export async function* smInventory(ctx: {
  storage: Storage
  system: SystemView
  state: SmState
}): AsyncGenerator<InventoryItem> {
  const { storage, system } = ctx
  const options = system.mount.options
  const now = system.now()
  for (const record of await loadAllRecords(storage)) {
    const region = record.region ?? options['region'] ?? DEFAULT_REGION
    const details: Record<string, string | number | boolean> = {
      arn: arnOf(
        { region, accountId: options['account_id'] || DEFAULT_ACCOUNT_ID },
        record.name,
        record.suffix,
      ),
    }
    if (record.kmsKeyId !== undefined) details['kms_key_id'] = record.kmsKeyId
    if (record.deletedDate !== undefined) details['scheduled_for_deletion'] = true
    const lastAccessed = (await accessOf(ctx, record)).day
    if (lastAccessed !== undefined) details['last_accessed'] = rfc3339(lastAccessed)
    const rotation = record.rotation
    const item: InventoryItem = {
      kind: 'secretsmanager',
      path: `${system.mount.path}secrets/${record.name}`,
      name: record.name,
      created: record.createdDate,
      updated: record.lastChangedDate,
      versions: Object.keys(record.versions).length,
      metadataKeys: record.tags.map((tag) => tag.Key).sort(),
      details,
    }
    if (rotation) {
      const period = rotationPeriod(rotation.rules as RotationRules | undefined, now)
      item.rotation = {
        policy: period.policy,
        ...(period.periodSeconds !== undefined ? { periodSeconds: period.periodSeconds } : {}),
        enabled: rotation.enabled,
        ...(rotation.lastRotatedDate !== undefined ? { lastRotated: rotation.lastRotatedDate } : {}),
        ...(rotation.enabled && rotation.nextRotationDate !== undefined
          ? { nextRotation: rotation.nextRotationDate }
          : {}),
        failures: rotation.inFlight?.attempts ?? 0,
        ...(rotation.lastFailure
          ? { lastFailure: { time: rotation.lastFailure.date, message: rotation.lastFailure.message } }
          : {}),
      }
    }
    yield item
  }
}
