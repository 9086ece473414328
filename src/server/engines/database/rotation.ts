// Static-role password rotation: one rotation (kept safe across failures), scheduling, and the periodic sweep.

import { errorMessage } from '../../../lib/error-message.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { BackendEvent } from '../../../sdk/events.ts'
import type { SystemView } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { databaseError } from './connections.ts'
import { passwordPolicyFor } from './credential-config.ts'
import { nextCronTime, parseCron } from './cron.ts'
import { staticRotationEvent } from './db-events.ts'
import { configSecrets, loadStaticRole, type StaticRole, saveStaticRole, staticRoleKey } from './model.ts'
import type { DbState } from './state.ts'
import { withConfig } from './with-config.ts'

/** A failed rotation is retried after 10s, doubling up to 5 minutes; the old password stays valid meanwhile. */
const RETRY_BASE_MS = 10_000
const RETRY_MAX_MS = 300_000

/** When the role's next regular rotation is due after a rotation at `lastMs`. */
export function nextRegularRotation(role: StaticRole, lastMs: number, nowMs: number): number {
  if (role.rotation_schedule) {
    const schedule = parseCron(role.rotation_schedule)
    let next = nextCronTime(schedule, lastMs)
    // A window that has passed (the server was down) waits for the next scheduled time, as Vault does.
    if (role.rotation_window > 0)
      while (next + role.rotation_window * 1000 < nowMs) next = nextCronTime(schedule, next)
    return next
  }
  return lastMs + role.rotation_period * 1000
}

interface Ctx {
  storage: Storage
  system: SystemView
  state: DbState
}

/**
 * Give the role a new password in the database, then store it. The new password is written first as pending, so a
 * crash or failure between the database change and the store is repaired by the retry, which sets the same one.
 */
export async function rotateStaticRole(
  ctx: Ctx,
  name: string,
  opts: {
    throwOnFailure: boolean
    /** Told once the outcome is stored: a request returns it in its response, the schedule emits it. */
    onEvent?: (event: BackendEvent) => void
  },
): Promise<StaticRole> {
  const { storage, system, state } = ctx
  return state.run(staticRoleKey(name), async () => {
    const role = await loadStaticRole(storage, name)
    if (!role) throw new InvalidRequestError(`unknown static role "${name}"`)
    const now = system.now()
    try {
      // The password stays chosen across a retry on a rewritten config: it may be stored as pending already.
      let chosen = role.pending_password
      const password = await withConfig(ctx, role.db_name, async (config, use) => {
        const password = chosen ?? (await system.generatePassword(passwordPolicyFor(role, config)))
        if (chosen === undefined) await saveStaticRole(storage, name, { ...role, pending_password: password })
        chosen = password
        try {
          await use((connection) =>
            connection.setPassword(role.username, password, role.rotation_statements, false),
          )
        } catch (error) {
          throw databaseError(
            error,
            [...configSecrets(config), password, role.password],
            'unable to rotate the static role',
          )
        }
        return password
      })
      const rotated: StaticRole = {
        ...role,
        password,
        last_vault_rotation: now,
        next_rotation: nextRegularRotation(role, now, now),
        failures: 0,
      }
      delete rotated.pending_password
      await saveStaticRole(storage, name, rotated)
      state.dueAt(rotated.next_rotation)
      system.log('info', 'rotated static role password', { role: name, db_name: role.db_name })
      opts.onEvent?.(staticRotationEvent(name, 'ok', opts.throwOnFailure ? 'request' : 'schedule'))
      return rotated
    } catch (error) {
      const failures = role.failures + 1
      const retryAt = now + Math.min(RETRY_BASE_MS * 2 ** (failures - 1), RETRY_MAX_MS)
      const current = (await loadStaticRole(storage, name)) ?? role
      await saveStaticRole(storage, name, { ...current, failures, next_rotation: retryAt })
      state.dueAt(retryAt)
      system.log('warn', 'static role rotation failed; the old password stays valid and it will be retried', {
        role: name,
        retry_in_seconds: Math.round((retryAt - now) / 1000),
        error: errorMessage(error),
      })
      if (opts.throwOnFailure) throw error
      opts.onEvent?.(staticRotationEvent(name, 'fail', 'schedule'))
      return { ...current, failures, next_rotation: retryAt }
    }
  })
}

/** Every static role's next due time, read once at setup so the periodic hook stays cheap in between. */
export async function earliestDue(storage: Storage): Promise<number> {
  let earliest = Number.POSITIVE_INFINITY
  for (const key of await storage.list('static-role/')) {
    if (key.endsWith('/')) continue
    const role = await loadStaticRole(storage, key)
    if (role) earliest = Math.min(earliest, role.next_rotation)
  }
  return earliest
}

/** The periodic hook: nothing until the earliest due time, then rotate whatever is due and find the next time. */
export async function rotateDue(ctx: Ctx): Promise<void> {
  const now = ctx.system.now()
  if (now < ctx.state.nextRotationDue) return
  ctx.state.nextRotationDue = Number.POSITIVE_INFINITY
  let earliest = Number.POSITIVE_INFINITY
  for (const key of await ctx.storage.list('static-role/')) {
    if (key.endsWith('/')) continue
    let role = await loadStaticRole(ctx.storage, key)
    if (!role) continue
    // Outside any request: the outcome goes out through the backend's emitter, once stored.
    if (role.next_rotation <= now)
      role = await rotateStaticRole(ctx, key, {
        throwOnFailure: false,
        onEvent: (event) => ctx.system.events.emit(event),
      })
    earliest = Math.min(earliest, role.next_rotation)
  }
  ctx.state.dueAt(earliest)
}
