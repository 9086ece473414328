// role/ (LIST) and role/:name: the roles access keys are bound to, with the token settings their logins get.

import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import { applyTokenFields, tokenFields, tokenParamsView } from '../../../sdk/framework/token-params.ts'
import { accessKeyPath, listAccessKeys, loadAccessKey } from './key-store.ts'
import {
  DEFAULT_MAX_SESSION_DURATION,
  defaultRole,
  listRoles,
  loadRole,
  MAX_SESSION_DURATION,
  MIN_SESSION_DURATION,
  normalizeRoleName,
  type RoleEntry,
  roleKey,
  saveRole,
} from './role-store.ts'
import { listSessions, loadSession, sessionPath } from './session-store.ts'
import type { AwsKeysState } from './state.ts'

export const roleListPath = definePath<Record<string, never>, AwsKeysState>({
  pattern: 'role/',
  listKeys: 'names',
  help: 'List the roles of this mount.',
  operations: {
    list: async ({ storage }) => listResponse(await listRoles(storage)),
  },
})

const fields = {
  name: f.string({ description: 'Name of the role (case-insensitive).' }),
  ...tokenFields,
  token_type: f.string({ description: 'batch (the default here: a login stores nothing) or service.' }),
  web_identity_mount: f.string({
    description:
      'The jwt or kubernetes auth mount (e.g. auth/jwt/) whose login verifies web identity tokens for STS AssumeRoleWithWebIdentity; empty turns web identity off.',
  }),
  web_identity_role: f.string({ description: 'The role of web_identity_mount the token logs in with.' }),
  max_session_duration: f.duration({
    description:
      'The longest session credentials of this role may last (900 to 43200 seconds; default 3600).',
  }),
}

/** `auth/jwt/`, `jwt`, `/auth/jwt` → `jwt/`: the mount's path under auth/, as STS logs in at auth/<it>login. */
function normalizeMount(raw: string): string {
  const path = raw
    .trim()
    .replace(/^\/+/, '')
    .replace(/^auth\//, '')
    .replace(/\/+$/, '')
  if (path === '') return ''
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(path))
    throw new InvalidRequestError('web_identity_mount must be an auth mount path such as auth/jwt/')
  return `${path}/`
}

type WebIdentityInput = {
  web_identity_mount?: string | undefined
  web_identity_role?: string | undefined
  max_session_duration?: number | undefined
}

function applyWebIdentity(role: RoleEntry, input: WebIdentityInput): RoleEntry {
  const out = { ...role }
  if (input.web_identity_mount !== undefined) out.webIdentityMount = normalizeMount(input.web_identity_mount)
  if (input.web_identity_role !== undefined) out.webIdentityRole = input.web_identity_role.trim()
  if (input.max_session_duration !== undefined) {
    const seconds = input.max_session_duration
    if (seconds < MIN_SESSION_DURATION || seconds > MAX_SESSION_DURATION)
      throw new InvalidRequestError('max_session_duration must be between 900 and 43200 seconds')
    out.maxSessionDuration = seconds
  }
  if (out.webIdentityMount && !out.webIdentityRole)
    throw new InvalidRequestError('web_identity_role is required with web_identity_mount')
  return out
}

function roleView(role: RoleEntry): Record<string, unknown> {
  return {
    ...tokenParamsView(role),
    web_identity_mount: role.webIdentityMount ? `auth/${role.webIdentityMount}` : '',
    web_identity_role: role.webIdentityRole ?? '',
    max_session_duration: role.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
  }
}

export const rolePath = definePath<typeof fields, AwsKeysState>({
  pattern: 'role/:name',
  fields,
  help: 'A role: the policies and token settings of logins with its access keys.',
  exists: async ({ storage, input }) =>
    (await loadRole(storage, normalizeRoleName(input.name))) !== undefined,
  operations: {
    read: async ({ storage, input }) => {
      const role = await loadRole(storage, normalizeRoleName(input.name))
      return role ? { data: roleView(role) } : undefined
    },

    update: ({ storage, state, input }) => {
      const name = normalizeRoleName(input.name)
      return state.locks.run(`role:${name}`, async () => {
        const existing = await loadRole(storage, name)
        await saveRole(
          storage,
          name,
          applyWebIdentity(applyTokenFields(existing ?? defaultRole(), input), input),
        )
        return undefined
      })
    },

    // The role's access keys and session credentials go with it, each under its own lock, so a rotation in flight
    // cannot bring one back.
    delete: ({ storage, state, input }) => {
      const name = normalizeRoleName(input.name)
      return state.locks.run(`role:${name}`, async () => {
        for (const id of await listAccessKeys(storage)) {
          await state.locks.run(`key:${id}`, async () => {
            if ((await loadAccessKey(storage, id))?.role === name) await storage.delete(accessKeyPath(id))
          })
        }
        for (const id of await listSessions(storage)) {
          await state.locks.run(`key:${id}`, async () => {
            if ((await loadSession(storage, id))?.role === name) await storage.delete(sessionPath(id))
          })
        }
        await storage.delete(roleKey(name))
        return undefined
      })
    },
  },
})
