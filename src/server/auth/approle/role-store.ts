// AppRole roles in the mount's storage, and the role_id index used by login (keyed by HMAC of the role ID).
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { TokenParams } from '../../../sdk/framework/token-params.ts'
import { getJsonShared, type Storage } from '../../../sdk/storage.ts'
import { type ApproleState, mac } from './state.ts'

export interface RoleEntry extends TokenParams {
  roleId: string
  bindSecretId: boolean
  secretIdBoundCidrs: string[]
  secretIdNumUses: number
  /** Seconds; 0 never expires. */
  secretIdTtl: number
  localSecretIds: boolean
}

const ROLE = 'role/'
const ROLE_ID = 'role_id/'

/** Vault's approle matches role names case-insensitively; names become one path segment. */
export function normalizeRoleName(raw: string | undefined): string {
  const name = (raw ?? '').trim().toLowerCase()
  if (name === '') throw new InvalidRequestError('missing role_name')
  if (name.length >= 4096) throw new InvalidRequestError('role_name must be shorter than 4096 bytes')
  if (!/^[a-z0-9 _.-]+$/.test(name))
    throw new InvalidRequestError(
      'role_name may contain only letters, digits, space, hyphen, underscore and period',
    )
  return name
}

export function loadRole(storage: Storage, name: string): Promise<RoleEntry | undefined> {
  return getJsonShared<RoleEntry>(storage, ROLE + name)
}

export async function requireRole(storage: Storage, name: string): Promise<RoleEntry> {
  const role = await loadRole(storage, name)
  if (!role) throw new InvalidRequestError(`role "${name}" does not exist`)
  return role
}

export function listRoles(storage: Storage): Promise<string[]> {
  return storage.list(ROLE)
}

/** The role a role ID belongs to, or undefined. */
export async function roleNameForRoleId(
  storage: Storage,
  state: ApproleState,
  roleId: string,
): Promise<string | undefined> {
  return (await getJsonShared<{ name: string }>(storage, ROLE_ID + mac(state, 'role_id', roleId)))?.name
}

/** Store a role and keep the role_id index in step, in one atomic batch. */
export async function saveRole(
  storage: Storage,
  state: ApproleState,
  name: string,
  role: RoleEntry,
  previousRoleId: string | undefined,
): Promise<void> {
  const ops: Parameters<Storage['batch']>[0] = [
    { op: 'put', key: ROLE + name, value: Buffer.from(JSON.stringify(role)) },
    {
      op: 'put',
      key: ROLE_ID + mac(state, 'role_id', role.roleId),
      value: Buffer.from(JSON.stringify({ name })),
    },
  ]
  if (previousRoleId !== undefined && previousRoleId !== role.roleId)
    ops.push({ op: 'delete', key: ROLE_ID + mac(state, 'role_id', previousRoleId) })
  await storage.batch(ops)
}

export async function deleteRoleEntry(
  storage: Storage,
  state: ApproleState,
  name: string,
  role: RoleEntry,
): Promise<void> {
  await storage.batch([
    { op: 'delete', key: ROLE + name },
    { op: 'delete', key: ROLE_ID + mac(state, 'role_id', role.roleId) },
  ])
}
