// Look up and destroy a role's secret ID, by the secret ID itself or by its accessor.
import { InvalidRequestError, NotFoundError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import type { LogicalResponse, SystemView } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { loadRole, normalizeRoleName } from './role-store.ts'
import {
  deleteSecretIdOps,
  isExpired,
  keyForAccessor,
  loadSecretId,
  secretIdKey,
  secretIdView,
} from './secret-id-store.ts'
import type { ApproleState } from './state.ts'

interface Env {
  storage: Storage
  state: ApproleState
  system: SystemView
}

/** The live entry at `key`; an expired one is removed on the way, as Vault's lookup does. */
async function live({ storage, state, system }: Env, key: string) {
  return state.locks.run(key, async () => {
    const entry = await loadSecretId(storage, key)
    if (entry && isExpired(entry, system.now())) {
      await storage.batch(deleteSecretIdOps(state, key, entry))
      return undefined
    }
    return entry
  })
}

async function lookup(env: Env, key: string | undefined): Promise<LogicalResponse | undefined> {
  const entry = key === undefined ? undefined : await live(env, key)
  return entry ? { data: secretIdView(entry) } : undefined
}

async function destroy({ storage, state }: Env, key: string | undefined): Promise<undefined> {
  if (key === undefined) return undefined
  await state.locks.run(key, async () => {
    const entry = await loadSecretId(storage, key)
    if (entry) await storage.batch(deleteSecretIdOps(state, key, entry))
  })
  return undefined
}

const bySecretFields = {
  role_name: f.string(),
  secret_id: f.string({ description: 'The secret ID.', sensitive: true }),
}

/**
 * A secret ID looked up under a role that is gone is not found (404, the role named): Terraform's
 * vault_approle_auth_backend_role_secret_id refresh drops the resource from state only on a 404 (or Vault's
 * 500 with this message), so a 400 here fails every plan after the role is deleted out of band.
 */
async function requireRoleToFind(storage: Storage, name: string): Promise<void> {
  if (!(await loadRole(storage, name))) throw new NotFoundError(`role "${name}" does not exist`)
}

async function keyBySecret(
  env: Env,
  input: { role_name?: string | undefined; secret_id?: string | undefined },
) {
  const name = normalizeRoleName(input.role_name)
  if (!input.secret_id) throw new InvalidRequestError('missing secret_id')
  await requireRoleToFind(env.storage, name)
  return secretIdKey(env.state, name, input.secret_id)
}

export const secretIdLookupPath = definePath<typeof bySecretFields, ApproleState>({
  pattern: 'role/:role_name/secret-id/lookup',
  fields: bySecretFields,
  help: "Read a secret ID's properties (never the secret ID itself).",
  operations: { update: async (ctx) => lookup(ctx, await keyBySecret(ctx, ctx.input)) },
})

export const secretIdDestroyPath = definePath<typeof bySecretFields, ApproleState>({
  pattern: 'role/:role_name/secret-id/destroy',
  fields: bySecretFields,
  help: 'Destroy a secret ID.',
  operations: {
    update: async (ctx) => destroy(ctx, await keyBySecret(ctx, ctx.input)),
    delete: async (ctx) => destroy(ctx, await keyBySecret(ctx, ctx.input)),
  },
})

const byAccessorFields = {
  role_name: f.string(),
  secret_id_accessor: f.string({ description: 'The accessor of the secret ID.' }),
}

async function keyByAccessor(
  env: Env,
  input: { role_name?: string | undefined; secret_id_accessor?: string | undefined },
) {
  const name = normalizeRoleName(input.role_name)
  if (!input.secret_id_accessor) throw new InvalidRequestError('missing secret_id_accessor')
  await requireRoleToFind(env.storage, name)
  const key = await keyForAccessor(env.storage, env.state, name, input.secret_id_accessor)
  if (key === undefined) throw new NotFoundError('no secret ID with that accessor on this role')
  return key
}

export const accessorLookupPath = definePath<typeof byAccessorFields, ApproleState>({
  pattern: 'role/:role_name/secret-id-accessor/lookup',
  fields: byAccessorFields,
  help: "Read a secret ID's properties by its accessor.",
  operations: { update: async (ctx) => lookup(ctx, await keyByAccessor(ctx, ctx.input)) },
})

export const accessorDestroyPath = definePath<typeof byAccessorFields, ApproleState>({
  pattern: 'role/:role_name/secret-id-accessor/destroy',
  fields: byAccessorFields,
  help: 'Destroy a secret ID by its accessor.',
  operations: {
    update: async (ctx) => destroy(ctx, await keyByAccessor(ctx, ctx.input)),
    delete: async (ctx) => destroy(ctx, await keyByAccessor(ctx, ctx.input)),
  },
})
