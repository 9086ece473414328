// Static roles: static-roles/:name (an existing user rotated on a period or cron schedule), static-creds/:name, rotate-role/:name.

import { rfc3339 } from '../../../lib/time.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { BackendEvent } from '../../../sdk/events.ts'
import { definePath, type HandlerContext } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import { parseCredentialConfig } from './credential-config.ts'
import { parseCron } from './cron.ts'
import {
  checkName,
  loadConfig,
  loadRole,
  loadStaticRole,
  ROLE_NAME_TAKEN,
  roleAllowed,
  roleNameLock,
  type StaticRole,
  saveStaticRole,
  staticRoleKey,
} from './model.ts'
import { nextRegularRotation, rotateStaticRole } from './rotation.ts'
import type { DbState } from './state.ts'
import { parseStatements } from './templating.ts'

const MIN_ROTATION_PERIOD = 5
const MIN_ROTATION_WINDOW = 3600

const fields = {
  name: f.string({ required: true }),
  db_name: f.string(),
  username: f.string(),
  rotation_period: f.duration(),
  rotation_schedule: f.string(),
  rotation_window: f.duration(),
  rotation_statements: f.any(),
  credential_type: f.string(),
  credential_config: f.any(),
}

type Ctx = HandlerContext<typeof fields, DbState>

async function writeStaticRole(ctx: Ctx) {
  const { storage, state, system, input, request } = ctx
  const name = checkName(input.name!, 'role')
  const saved = await state.run(roleNameLock(name), () =>
    state.run(staticRoleKey(name), async () => {
      if (await loadRole(storage, name)) throw new InvalidRequestError(ROLE_NAME_TAKEN)
      const existing = await loadStaticRole(storage, name)
      if (input.credential_type !== undefined && input.credential_type !== 'password')
        throw new InvalidRequestError('credential_type must be "password"')
      const dbName = input.db_name ?? existing?.db_name
      if (!dbName) throw new InvalidRequestError('database name is required')
      if (existing && input.db_name !== undefined && input.db_name !== existing.db_name)
        throw new InvalidRequestError('cannot update static role db_name')
      const username = input.username ?? existing?.username
      if (!username) throw new InvalidRequestError('username is a required field to create a static account')
      if (existing && input.username !== undefined && input.username !== existing.username)
        throw new InvalidRequestError('cannot update static account username')
      const config = await loadConfig(storage, dbName)
      if (!config) throw new InvalidRequestError(`could not find database config "${dbName}"`)
      if (!roleAllowed(config, name))
        throw new InvalidRequestError(`"${name}" is not an allowed role for database "${dbName}"`)

      let period = input.rotation_period ?? (input.rotation_schedule ? 0 : (existing?.rotation_period ?? 0))
      let schedule =
        input.rotation_schedule ?? (input.rotation_period ? '' : (existing?.rotation_schedule ?? ''))
      const window = input.rotation_window ?? (schedule ? (existing?.rotation_window ?? 0) : 0)
      if (period && schedule)
        throw new InvalidRequestError(
          'mutually exclusive fields rotation_period and rotation_schedule were both specified',
        )
      if (!period && !schedule)
        throw new InvalidRequestError('one of rotation_schedule or rotation_period must be provided')
      if (period && period < MIN_ROTATION_PERIOD)
        throw new InvalidRequestError(`rotation_period must be ${MIN_ROTATION_PERIOD} seconds or more`)
      if (schedule) parseCron(schedule)
      if (window && !schedule)
        throw new InvalidRequestError('rotation_window is invalid with use of rotation_period')
      if (window && window < MIN_ROTATION_WINDOW)
        throw new InvalidRequestError(`rotation_window must be ${MIN_ROTATION_WINDOW} seconds or more`)
      period = schedule ? 0 : period
      schedule = period ? '' : schedule

      const role: StaticRole = {
        db_name: dbName,
        username,
        rotation_period: period,
        rotation_schedule: schedule,
        rotation_window: window,
        rotation_statements:
          'rotation_statements' in request.data
            ? parseStatements(request.data['rotation_statements'], 'rotation_statements')
            : (existing?.rotation_statements ?? []),
        credential_config:
          'credential_config' in request.data
            ? parseCredentialConfig(request.data['credential_config'])
            : (existing?.credential_config ?? {}),
        password: existing?.password ?? '',
        last_vault_rotation: existing?.last_vault_rotation ?? 0,
        // A new role is rotated right away (below); an updated one keeps its last rotation and gets a new schedule.
        next_rotation: existing
          ? nextRegularRotation(
              { ...existing, rotation_period: period, rotation_schedule: schedule, rotation_window: window },
              existing.last_vault_rotation,
              system.now(),
            )
          : system.now(),
        failures: existing?.failures ?? 0,
        ...(existing?.pending_password ? { pending_password: existing.pending_password } : {}),
      }
      await saveStaticRole(storage, name, role)
      state.dueAt(role.next_rotation)
      return { role, created: !existing }
    }),
  )
  const events: BackendEvent[] = []
  if (saved.created) {
    try {
      await rotateStaticRole(ctx, name, { throwOnFailure: true, onEvent: (event) => events.push(event) })
    } catch (error) {
      // As Vault does, a static role whose first rotation fails is not kept.
      await state.run(staticRoleKey(name), () => storage.delete(staticRoleKey(name)))
      throw error
    }
  }
  return events.length > 0 ? { events } : undefined
}

function scheduleData(role: StaticRole): Record<string, unknown> {
  return role.rotation_schedule
    ? { rotation_schedule: role.rotation_schedule, rotation_window: role.rotation_window }
    : { rotation_period: role.rotation_period }
}

export const staticRolesListPath = definePath<Record<string, never>, DbState>({
  pattern: 'static-roles/',
  listKeys: 'names',
  operations: {
    list: async ({ storage }) => {
      const keys = (await storage.list('static-role/')).filter((key) => !key.endsWith('/'))
      return listResponse(keys)
    },
  },
})

export const staticRolePath = definePath<typeof fields, DbState>({
  pattern: 'static-roles/:name',
  fields,
  exists: async ({ storage, input }) =>
    (await loadStaticRole(storage, checkName(input.name!, 'role'))) !== undefined,
  help: 'A static role: an existing database user whose password Coffer rotates on a period or a cron schedule.',
  operations: {
    create: writeStaticRole,
    update: writeStaticRole,
    read: async ({ storage, input }) => {
      const role = await loadStaticRole(storage, checkName(input.name!, 'role'))
      if (!role) return undefined
      return {
        data: {
          db_name: role.db_name,
          username: role.username,
          rotation_statements: role.rotation_statements,
          credential_type: 'password',
          credential_config: role.credential_config ?? {},
          last_vault_rotation: role.last_vault_rotation ? rfc3339(role.last_vault_rotation) : null,
          ...scheduleData(role),
        },
      }
    },
    delete: async ({ storage, state, input }) => {
      const name = checkName(input.name!, 'role')
      await state.run(staticRoleKey(name), () => storage.delete(staticRoleKey(name)))
      return undefined
    },
  },
})

export const staticCredsPath = definePath<{ name: ReturnType<typeof f.string> }, DbState>({
  pattern: 'static-creds/:name',
  fields: { name: f.string({ required: true }) },
  help: "The static role's current password and how long until it is rotated.",
  operations: {
    read: async ({ storage, state, system, input }) => {
      const name = checkName(input.name!, 'role')
      // Read behind any rotation in flight: between its database change and its store, the stored password no
      // longer works.
      const role = await state.run(staticRoleKey(name), () => loadStaticRole(storage, name))
      if (!role) throw new InvalidRequestError(`unknown role: ${name}`)
      const regular = nextRegularRotation(role, role.last_vault_rotation, system.now())
      return {
        data: {
          username: role.username,
          password: role.password,
          last_vault_rotation: rfc3339(role.last_vault_rotation),
          ttl: Math.max(0, Math.floor((Math.min(regular, role.next_rotation) - system.now()) / 1000)),
          ...scheduleData(role),
        },
      }
    },
  },
})

export const rotateRolePath = definePath<{ name: ReturnType<typeof f.string> }, DbState>({
  pattern: 'rotate-role/:name',
  fields: { name: f.string({ required: true }) },
  help: "Rotate a static role's password now.",
  operations: {
    update: async (ctx) => {
      const name = checkName(ctx.input.name!, 'role')
      // Vault's 400 and words, for a dynamic role's name as for no role at all.
      if (!(await loadStaticRole(ctx.storage, name)))
        throw new InvalidRequestError('no static role found for role name')
      const events: BackendEvent[] = []
      await rotateStaticRole(ctx, name, { throwOnFailure: true, onEvent: (event) => events.push(event) })
      return { events }
    },
  },
})
