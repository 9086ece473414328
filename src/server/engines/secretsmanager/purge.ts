// Scheduled deletion: the periodic sweep that removes secrets whose recovery window has ended.
import { listRecursive, type Storage, type StorageOp } from '../../../sdk/storage.ts'
import type { ActionContext } from './context.ts'
import { accessKey, loadAllRecords, loadRecord, recordKey, storeIdOf, valuesPrefix } from './model.ts'
import type { SmState } from './state.ts'

/** Deleting a secret's record, every stored value and its read days; `name` is its store identity (storeIdOf). */
export async function purgeOps(storage: Storage, name: string): Promise<StorageOp[]> {
  const values = await listRecursive(storage, valuesPrefix(name))
  return [
    { op: 'delete', key: recordKey(name) },
    { op: 'delete', key: accessKey(name) },
    ...values.map((key) => ({ op: 'delete' as const, key })),
  ]
}

/** The earliest pending deletion date in storage (Infinity when none), for the state at unseal. */
export async function earliestDeletion(storage: Storage): Promise<number> {
  let earliest = Number.POSITIVE_INFINITY
  for (const record of await loadAllRecords(storage))
    if (record.deletionDate !== undefined && record.deletionDate < earliest) earliest = record.deletionDate
  return earliest
}

/**
 * Remove every secret whose deletion date has passed, each under its lock (a RestoreSecret that won the race
 * keeps its secret). Returns how many were purged. Does nothing before the earliest known date.
 */
export async function purgeDue(ctx: Pick<ActionContext, 'storage' | 'now' | 'state'>): Promise<number> {
  const { storage, state } = ctx
  const now = ctx.now()
  if (now < state.nextPurgeDue) return 0
  state.nextPurgeDue = Number.POSITIVE_INFINITY
  let purged = 0
  for (const listed of await loadAllRecords(storage)) {
    if (listed.deletionDate === undefined) continue
    if (listed.deletionDate > now) {
      state.dueAt(listed.deletionDate)
      continue
    }
    await state.locks.run(listed.name, async () => {
      const record = await loadRecord(storage, storeIdOf(listed))
      if (record?.deletionDate === undefined) return
      if (record.deletionDate > now) return state.dueAt(record.deletionDate)
      await storage.batch(await purgeOps(storage, storeIdOf(record)))
      state.access.delete(storeIdOf(record))
      purged++
    })
  }
  return purged
}

export type { SmState }
