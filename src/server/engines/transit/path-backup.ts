// backup/:name and restore[/:name]: a whole key, every version included, as one base64 blob (keys with allow_plaintext_backup only).
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { checkRestoredKey } from './backup-check.ts'
import { decodeBase64 } from './encoding.ts'
import { checkKeyName } from './keyring.ts'
import { NEVER_LEAVES, refuseIfKmsKey } from './kms-state.ts'
import { type ActionInfo, keyStorageKey, loadKey, saveKey, type TransitKey } from './model.ts'
import type { TransitState } from './state.ts'

/** Marks the blob as this server's format, so a restore can refuse anything else clearly. */
const BACKUP_FORMAT = 'coffer-transit-backup-v1'

const backupFields = { name: f.string({ required: true }) }

export const backupPath = definePath<typeof backupFields, TransitState>({
  pattern: 'backup/:name',
  fields: backupFields,
  help: 'Returns the key, every version included, in plaintext base64: only for keys with allow_plaintext_backup.',
  operations: {
    read: async ({ storage, state, system, input }) => {
      const name = input.name ?? ''
      return state.run(keyStorageKey(name), async () => {
        const stored = await loadKey(storage, name)
        if (stored === undefined) throw new InvalidRequestError(`key "${name}" not found`)
        await refuseIfKmsKey(storage, name, 'back up', NEVER_LEAVES)
        if (!stored.allow_plaintext_backup || !stored.exportable)
          throw new InvalidRequestError(`plaintext backup is disallowed on the policy "${name}"`)
        // As Vault: the key records the backup (read shows backup_info), and the blob carries that record.
        const key = {
          ...stored,
          backup_info: { time: new Date(system.now()).toISOString(), version: stored.latest_version },
        }
        await saveKey(storage, key)
        const blob = Buffer.from(JSON.stringify({ format: BACKUP_FORMAT, key })).toString('base64')
        return { data: { backup: blob } }
      })
    },
  },
})

const restoreFields = {
  name: f.string({ description: 'Restore under this name instead of the backed-up one.' }),
  backup: f.string({ sensitive: true, description: 'The blob backup/ returned.' }),
  force: f.bool({ default: false, description: 'Replace an existing key of the same name.' }),
}

/** The key inside a blob, or a 400 naming what is wrong with it. */
function parseBackup(text: string): TransitKey {
  const bytes = decodeBase64(text)
  if (bytes === undefined) throw new InvalidRequestError('failed to decode backup: not base64')
  let parsed: { format?: unknown; key?: unknown }
  try {
    parsed = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new InvalidRequestError('failed to decode backup: not a transit key backup')
  }
  if (parsed?.format !== BACKUP_FORMAT)
    throw new InvalidRequestError('failed to decode backup: not a transit key backup')
  return checkRestoredKey(parsed.key)
}

/** A backup_info as the blob carries it, when it has the shape a backup writes; anything else is dropped. */
function backupInfo(raw: unknown): ActionInfo | undefined {
  if (raw === null || typeof raw !== 'object') return undefined
  const { time, version } = raw as Record<string, unknown>
  if (typeof time !== 'string' || Number.isNaN(Date.parse(time))) return undefined
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) return undefined
  return { time, version }
}

function restore(name: string | undefined) {
  return async ({
    storage,
    state,
    system,
    input,
  }: {
    storage: Parameters<typeof loadKey>[0]
    state: TransitState
    system: { now(): number }
    input: { name?: string | undefined; backup?: string | undefined; force?: boolean | undefined }
  }) => {
    if (input.backup === undefined || input.backup === '')
      throw new InvalidRequestError("'backup' must be supplied")
    const key = parseBackup(input.backup)
    const target = name ?? key.name
    checkKeyName(target)
    await state.run(keyStorageKey(target), async () => {
      const existing = await loadKey(storage, target)
      if (!input.force && existing !== undefined)
        throw new InvalidRequestError(`key "${target}" already exists`)
      if (existing !== undefined) await refuseIfKmsKey(storage, target, 'restore over')
      const { backup_info, restore_info: _ignored, ...rest } = key
      const restored: TransitKey = {
        ...rest,
        name: target,
        restore_info: { time: new Date(system.now()).toISOString(), version: key.latest_version },
      }
      const info = backupInfo(backup_info)
      if (info !== undefined) restored.backup_info = info
      await saveKey(storage, restored)
      state.rescheduleRotation()
    })
    return undefined
  }
}

export const restorePath = definePath<typeof restoreFields, TransitState>({
  pattern: 'restore',
  fields: restoreFields,
  help: 'Restores a key from a backup/ blob under its own name.',
  operations: { update: (ctx) => restore(undefined)(ctx) },
})

export const restoreNamedPath = definePath<typeof restoreFields, TransitState>({
  pattern: 'restore/:name',
  fields: restoreFields,
  help: 'Restores a key from a backup/ blob under the given name.',
  operations: { update: (ctx) => restore(ctx.params['name'])(ctx) },
})

const cacheFields = { size: f.int({ default: 0, description: 'Keys kept in memory; 0 means unbounded.' }) }

/** Vault's cache-config: stored and reported; keys here are read from the barrier's cache either way. */
export const cacheConfigPath = definePath<typeof cacheFields, TransitState>({
  pattern: 'cache-config',
  fields: cacheFields,
  help: 'The size of the key cache (accepted for compatibility; the barrier caches keys).',
  operations: {
    read: async ({ storage }) => {
      const raw = await storage.get('config/cache')
      const size = raw === undefined ? 0 : (JSON.parse(Buffer.from(raw).toString()) as { size: number }).size
      return { data: { size } }
    },
    update: async ({ storage, input }) => {
      const size = input.size ?? 0
      if (size !== 0 && size < 10)
        throw new InvalidRequestError('size must be 0 or a value greater or equal to 10')
      await storage.put('config/cache', Buffer.from(JSON.stringify({ size })))
      return { data: { size } }
    },
  },
})
