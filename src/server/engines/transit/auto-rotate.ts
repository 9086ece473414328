// auto_rotate_period: the periodic hook rotates keys whose latest version is older than their period, as Vault does.

import type { SystemView } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { rotate, updateKey } from './keyring.ts'
import { KEY_PREFIX, loadKey, type TransitKey } from './model.ts'
import type { TransitState } from './state.ts'

/** When `key` is next due for rotation (ms since the epoch), or undefined when it does not rotate itself. */
export function rotationDue(key: TransitKey): number | undefined {
  if (key.auto_rotate_period <= 0 || (key.imported_key && !key.allow_rotation)) return undefined
  const latest = key.versions[String(key.latest_version)]
  if (latest === undefined) return undefined
  return Date.parse(latest.creation_time) + key.auto_rotate_period * 1000
}

/**
 * Rotates every due key, then remembers the earliest next due time so that runs in between cost nothing; a key
 * change (create, config, rotate, restore) resets the schedule. A failure on one key is logged and retried later.
 */
export async function rotateDueKeys(ctx: {
  storage: Storage
  system: SystemView
  state: TransitState
}): Promise<void> {
  const { storage, system, state } = ctx
  const now = system.now()
  if (state.rotationDueAt !== 0 && now < state.rotationDueAt) return
  let next = Number.POSITIVE_INFINITY
  const changesBefore = state.keyChanges
  let ownChanges = 0
  for (const name of await storage.list(KEY_PREFIX)) {
    const key = await loadKey(storage, name)
    const due = key === undefined ? undefined : rotationDue(key)
    if (due === undefined) continue
    if (due > now) {
      next = Math.min(next, due)
      continue
    }
    try {
      ownChanges++
      const rotated = await updateKey(storage, state, name, async (current) => {
        // A manual rotation may have landed since the scan read the key.
        const stillDue = rotationDue(current)
        return stillDue !== undefined && stillDue <= system.now() ? rotate(current, system.now()) : current
      })
      next = Math.min(next, rotationDue(rotated) ?? Number.POSITIVE_INFINITY)
      system.log('info', 'transit: rotated key on schedule', { key: name, version: rotated.latest_version })
    } catch (error) {
      system.log('error', 'transit: scheduled rotation failed', { key: name, error: String(error) })
      next = Math.min(next, now + 60_000)
    }
  }
  // A key changed by someone else during the scan: its schedule may be missing, so scan again next run.
  if (state.keyChanges - changesBefore !== ownChanges) return
  // Nothing scheduled: check again in an hour (the shortest period), or sooner when a key changes.
  state.rotationDueAt = Number.isFinite(next) ? next : now + 3_600_000
}
