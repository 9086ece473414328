// rotate-root made crash-safe: the new root password is stored as pending, set in the database, then committed; a leftover pending one is resolved on next use.
import { InvalidRequestError, NotFoundError, UpstreamError } from '../../../sdk/errors.ts'
import type { SystemView } from '../../../sdk/request.ts'
import { putJson, type Storage } from '../../../sdk/storage.ts'
import { databaseError } from './connections.ts'
import { configKey, configSecrets, type DbConfig, loadConfig, pluginFor, settingsOf } from './model.ts'
import { literalUrlPassword } from './plugins/url-password.ts'
import type { DbState } from './state.ts'

interface Ctx {
  storage: Storage
  system: SystemView
  state: DbState
}

/** A config that can be used to connect: never carries a pending password (that would change the pool's fingerprint). */
export type UsableConfig = Omit<DbConfig, 'pending_root_password'>

/** An unresolved pending rotation is tried again at most this often by the periodic hook. */
const PENDING_RETRY_MS = 30_000

async function canConnect(config: UsableConfig): Promise<boolean> {
  const probe = pluginFor(config.plugin_name).open(settingsOf(config))
  try {
    await probe.verify()
    return true
  } catch {
    return false
  } finally {
    await probe.close().catch(() => {})
  }
}

function withoutPending(config: DbConfig): UsableConfig {
  const { pending_root_password: _pending, ...rest } = config
  return rest
}

/**
 * Settle a rotation that stopped between storing its pending password and committing it (a crash, a lost reply):
 * the database has either the pending password or still the old one, so whichever logs in is kept. When neither does
 * (the database is unreachable) nothing changes and the old password is used meanwhile. Call with the config's lock held.
 */
async function resolveLocked(
  ctx: Ctx,
  name: string,
  config: DbConfig,
): Promise<{ config: UsableConfig; resolved: boolean }> {
  const pending = config.pending_root_password
  const current = withoutPending(config)
  if (pending === undefined) return { config: current, resolved: true }
  const { storage, state, system } = ctx
  const rotated = { ...current, password: pending }
  if (await canConnect(rotated)) {
    await putJson(storage, configKey(name), rotated)
    await state.connections.close(name)
    state.pendingRoots.delete(name)
    system.log('info', 'completed an interrupted root credential rotation', { connection: name })
    return { config: rotated, resolved: true }
  }
  if (await canConnect(current)) {
    await putJson(storage, configKey(name), current)
    state.pendingRoots.delete(name)
    system.log('warn', 'discarded an unfinished root credential rotation; the old password still works', {
      connection: name,
    })
    return { config: current, resolved: true }
  }
  state.pendingRoots.set(name, system.now() + PENDING_RETRY_MS)
  system.log('warn', 'an unfinished root credential rotation cannot be checked yet (database unreachable)', {
    connection: name,
  })
  return { config: current, resolved: false }
}

/** The config to connect with, resolving an unfinished root rotation first. Undefined when there is no such config. */
export async function configForUse(ctx: Ctx, name: string): Promise<UsableConfig | undefined> {
  const config = await loadConfig(ctx.storage, name)
  if (!config || config.pending_root_password === undefined) return config && withoutPending(config)
  return ctx.state.run(configKey(name), async () => {
    const fresh = await loadConfig(ctx.storage, name)
    return fresh && (await resolveLocked(ctx, name, fresh)).config
  })
}

/**
 * For writers that already hold the config's lock (config updates): the stored config with any pending rotation
 * settled, or still carrying it when the database cannot tell which password it has.
 */
export async function loadResolvedLocked(ctx: Ctx, name: string): Promise<DbConfig | undefined> {
  const config = await loadConfig(ctx.storage, name)
  if (!config) return undefined
  const { config: settled, resolved } = await resolveLocked(ctx, name, config)
  return resolved ? settled : config
}

/** Names of configs with a pending rotation, noted at setup so the periodic hook settles them without waiting for a use. */
export async function findPendingRoots(storage: Storage): Promise<string[]> {
  const names: string[] = []
  for (const key of await storage.list('config/')) {
    if (key.endsWith('/')) continue
    if ((await loadConfig(storage, key))?.pending_root_password !== undefined) names.push(key)
  }
  return names
}

/** The periodic hook's part: settle pending rotations found at setup (or left unresolved), each at most every 30 s. */
export async function resolvePendingRoots(ctx: Ctx): Promise<void> {
  const now = ctx.system.now()
  for (const [name, due] of [...ctx.state.pendingRoots]) {
    if (due > now) continue
    ctx.state.pendingRoots.delete(name)
    await configForUse(ctx, name).catch(() => ctx.state.pendingRoots.set(name, now + PENDING_RETRY_MS))
  }
}

/**
 * rotate-root: (1) store the new password as pending, (2) set it in the database, (3) commit it as the password.
 * A crash after (1) or (2) leaves the pending password, which the next use resolves against the database.
 */
export async function rotateRoot(ctx: Ctx, name: string): Promise<void> {
  const { storage, state, system } = ctx
  await state.run(configKey(name), async () => {
    const stored = await loadConfig(storage, name)
    if (!stored) throw new NotFoundError(`no connection named "${name}"`)
    const { config, resolved } = await resolveLocked(ctx, name, stored)
    // Overwriting a pending password nobody could confirm might discard the one the database now has.
    if (!resolved)
      throw new UpstreamError(
        'failed to rotate root credentials: an earlier rotation cannot be confirmed while the database is unreachable',
      )
    if (!config.username)
      throw new InvalidRequestError('unable to rotate root credentials: no username in configuration')
    // Vault rotates anyway and then cannot connect: the URL still holds the old password. Refused before any change.
    if (literalUrlPassword(config.connection_url) !== undefined)
      throw new InvalidRequestError(
        'unable to rotate root credentials: connection_url holds a literal password; use {{username}} and {{password}} in it',
      )
    const password = await system.generatePassword(config.password_policy || undefined)
    await putJson(storage, configKey(name), { ...config, pending_root_password: password })
    try {
      await state.connections.use(name, config, (connection) =>
        connection.setPassword(config.username, password, config.root_rotation_statements, true),
      )
    } catch (error) {
      // The change may still have reached the database (a lost reply): settle now if possible, else on next use.
      await resolveLocked(ctx, name, { ...config, pending_root_password: password }).catch(() => {})
      throw databaseError(error, [...configSecrets(config), password], 'failed to rotate root credentials')
    }
    await putJson(storage, configKey(name), { ...config, password })
    await state.connections.close(name)
    system.log('info', 'rotated root credentials', { connection: name })
  })
}
