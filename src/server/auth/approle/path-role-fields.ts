// role/:role_name/<field>: read, set or reset one setting of an AppRole (policies, secret-id-ttl, token-ttl, ...), as Vault offers.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { applyRoleFields, roleFields, roleView, writeRole } from './path-role.ts'
import { loadRole, normalizeRoleName } from './role-store.ts'
import type { ApproleState } from './state.ts'

type RoleField = keyof typeof roleFields

interface FieldPath {
  /** The sub-path, as Vault names it. */
  path: string
  /** The role fields this sub-path writes, the first being the current name. */
  fields: RoleField[]
  /** What a DELETE resets the setting to (Vault's default); absent: the setting cannot be changed here. */
  reset?: unknown
}

const FIELD_PATHS: FieldPath[] = [
  { path: 'policies', fields: ['token_policies', 'policies'], reset: [] },
  { path: 'secret-id-num-uses', fields: ['secret_id_num_uses'], reset: 0 },
  { path: 'secret-id-ttl', fields: ['secret_id_ttl'], reset: 0 },
  { path: 'secret-id-bound-cidrs', fields: ['secret_id_bound_cidrs'], reset: [] },
  { path: 'token-num-uses', fields: ['token_num_uses'], reset: 0 },
  { path: 'token-ttl', fields: ['token_ttl'], reset: 0 },
  { path: 'token-max-ttl', fields: ['token_max_ttl'], reset: 0 },
  { path: 'token-bound-cidrs', fields: ['token_bound_cidrs'], reset: [] },
  { path: 'bind-secret-id', fields: ['bind_secret_id'], reset: true },
  { path: 'period', fields: ['token_period', 'period'], reset: 0 },
  // Fixed at creation: readable here, never changed.
  { path: 'local-secret-ids', fields: ['local_secret_ids'] },
]

type FieldContext = { storage: Storage; state: ApproleState; input: Record<string, unknown> }

/** Apply `change` over an existing role (never creating one), with the role's own validation. */
async function changeRole(ctx: FieldContext, change: Record<string, unknown>): Promise<undefined> {
  const name = normalizeRoleName(ctx.input['role_name'] as string | undefined)
  if (!(await loadRole(ctx.storage, name))) throw new InvalidRequestError(`role "${name}" does not exist`)
  return writeRole(ctx.storage, ctx.state, name, (existing) => {
    if (!existing) throw new InvalidRequestError(`role "${name}" does not exist`)
    return applyRoleFields(existing, change)
  })
}

function fieldPath(spec: FieldPath) {
  const fields = Object.fromEntries(
    ['role_name' as RoleField, ...spec.fields].map((name) => [name, roleFields[name]]),
  ) as Partial<typeof roleFields>
  const current = spec.fields[0]!
  const reset = spec.reset
  const writable =
    reset === undefined
      ? {}
      : {
          update: (ctx: FieldContext) => {
            const given = spec.fields.filter((field) => ctx.input[field] !== undefined)
            if (given.length === 0) throw new InvalidRequestError(`missing ${current}`)
            return changeRole(ctx, Object.fromEntries(given.map((field) => [field, ctx.input[field]])))
          },
          delete: (ctx: FieldContext) => changeRole(ctx, { [current]: reset }),
        }
  return definePath({
    pattern: `role/:role_name/${spec.path}`,
    fields,
    help: `One setting of an AppRole: ${spec.fields.join(', ')}.`,
    operations: {
      read: async ({ storage, input }) => {
        const role = await loadRole(storage, normalizeRoleName(input.role_name as string | undefined))
        if (!role) return undefined
        const view = roleView(role)
        // Both names are answered where Vault renamed a field (policies/token_policies, period/token_period).
        return { data: Object.fromEntries(spec.fields.map((field) => [field, view[current]])) }
      },
      ...writable,
    },
  })
}

export const roleFieldPaths = FIELD_PATHS.map(fieldPath)
