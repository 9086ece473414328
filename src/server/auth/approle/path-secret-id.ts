// role/:role_name/secret-id (generate; LIST accessors) and role/:role_name/custom-secret-id.
import { cidrsOutside, invalidCidrs } from '../../../lib/cidr.ts'
import { uuid } from '../../../lib/random.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath, type HandlerContext } from '../../../sdk/framework/backend.ts'
import { f, parseStringMap } from '../../../sdk/framework/fields.ts'
import { normalizeRoleName, type RoleEntry, requireRole } from './role-store.ts'
import {
  loadSecretId,
  type SecretIdEntry,
  secretIdKey,
  secretIdKeys,
  storeSecretId,
} from './secret-id-store.ts'
import type { ApproleState } from './state.ts'

const fields = {
  role_name: f.string(),
  secret_id: f.string({ description: 'The custom secret ID (custom-secret-id only).', sensitive: true }),
  metadata: f.any({ description: 'JSON object of string values, copied to the metadata of issued tokens.' }),
  cidr_list: f.list({ description: 'Client addresses allowed to log in with this secret ID.' }),
  token_bound_cidrs: f.list({
    description: 'Client addresses allowed to use tokens issued with this secret ID.',
  }),
  num_uses: f.int({ description: 'Uses before the secret ID expires; 0 is unlimited.' }),
  ttl: f.duration({ description: 'Lifetime of the secret ID; 0 never expires.' }),
}

type Ctx = HandlerContext<typeof fields, ApproleState>

function parseMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null || raw === '') return {}
  if (typeof raw === 'string') {
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch {
      throw new InvalidRequestError('failed to parse metadata: expected a JSON object of string values')
    }
    return parseStringMap(parsed, 'metadata')
  }
  return parseStringMap(raw, 'metadata')
}

/** Each CIDR of `inner` must lie within one of `outer` (when `outer` is set), as Vault requires. */
function requireSubset(inner: string[], outer: string[], what: string): void {
  if (outer.length === 0) return
  const outside = cidrsOutside(inner, outer)
  if (outside.length > 0)
    throw new InvalidRequestError(
      `${what} ${outside.join(', ')} is not within the role's blocks ${outer.join(', ')}`,
    )
}

/**
 * How long a secret ID lives: as Vault does, a TTL above the mount's max lease TTL is cut to it; 0 still means
 * it never expires. The entry keeps the TTL asked for, so a lookup shows it.
 */
function effectiveTtl(ttl: number, maxLeaseTtl: number): number {
  return maxLeaseTtl > 0 && ttl > maxLeaseTtl ? maxLeaseTtl : ttl
}

/** Validate the request against the role and build the stored entry (without the hash). */
function newEntry(ctx: Ctx, role: RoleEntry): Omit<SecretIdEntry, 'hash'> {
  const { input, system } = ctx
  if (!role.bindSecretId) throw new InvalidRequestError('bind_secret_id is not set on the role')
  const cidrList = input.cidr_list ?? []
  const tokenBoundCidrs = input.token_bound_cidrs ?? []
  for (const [list, name] of [
    [cidrList, 'cidr_list'],
    [tokenBoundCidrs, 'token_bound_cidrs'],
  ] as const) {
    const invalid = invalidCidrs(list)
    if (invalid.length > 0)
      throw new InvalidRequestError(`invalid CIDR block in ${name}: ${invalid.join(', ')}`)
  }
  requireSubset(cidrList, role.secretIdBoundCidrs, 'cidr_list')
  requireSubset(tokenBoundCidrs, role.tokenBoundCidrs, 'token_bound_cidrs')
  // An explicit 0 asks for unlimited uses or no expiry, which a limited role refuses (as Vault does); only an absent
  // field falls back to the role's value.
  const numUses = input.num_uses ?? role.secretIdNumUses
  if (numUses < 0) throw new InvalidRequestError('num_uses cannot be negative')
  if (role.secretIdNumUses > 0 && (numUses === 0 || numUses > role.secretIdNumUses))
    throw new InvalidRequestError("num_uses cannot be higher than the role's secret_id_num_uses")
  const ttl = input.ttl ?? role.secretIdTtl
  if (role.secretIdTtl > 0 && (ttl === 0 || ttl > role.secretIdTtl))
    throw new InvalidRequestError("ttl cannot be longer than the role's secret_id_ttl")
  const now = system.now()
  const lifetime = effectiveTtl(ttl, system.maxLeaseTtl)
  return {
    accessor: uuid(),
    numUses,
    ttl,
    creationTimeMs: now,
    expirationTimeMs: lifetime > 0 ? now + lifetime * 1000 : 0,
    lastUpdatedTimeMs: now,
    metadata: parseMetadata(input.metadata),
    cidrList,
    tokenBoundCidrs,
  }
}

async function issue(ctx: Ctx, secretId: string) {
  const { storage, state } = ctx
  const name = normalizeRoleName(ctx.input.role_name)
  const key = secretIdKey(state, name, secretId)
  const hash = key.slice(key.lastIndexOf('/') + 1)
  // Under the role's lock (as Vault holds the role lock here), so a role delete cannot list the role's secret IDs
  // between this role read and the write, and leave this one behind for a role recreated with the same name.
  const entry = await state.locks.run(`role:${name}`, async () => {
    const created = newEntry(ctx, await requireRole(storage, name))
    await state.locks.run(key, async () => {
      if (await loadSecretId(storage, key)) throw new InvalidRequestError('SecretID is already registered')
      await storeSecretId(storage, state, key, { hash, ...created })
    })
    return created
  })
  return {
    data: {
      secret_id: secretId,
      secret_id_accessor: entry.accessor,
      secret_id_num_uses: entry.numUses,
      secret_id_ttl: effectiveTtl(entry.ttl, ctx.system.maxLeaseTtl),
    },
    // Terraform's vault_approle_auth_backend_role_secret_id (with_wrapped_accessor) keeps this as its accessor.
    wrappedAccessor: entry.accessor,
  }
}

export const secretIdPath = definePath<typeof fields, ApproleState>({
  pattern: 'role/:role_name/secret-id/',
  listKeys: 'names',
  fields,
  help: 'Generate a secret ID for the role, or LIST the accessors of its secret IDs.',
  operations: {
    update: (ctx) => {
      if (ctx.input.secret_id !== undefined)
        throw new InvalidRequestError('secret_id cannot be chosen here: use custom-secret-id')
      return issue(ctx, uuid())
    },
    list: async ({ storage, state, input }) => {
      const name = normalizeRoleName(input.role_name)
      await requireRole(storage, name)
      const accessors: string[] = []
      for (const key of await secretIdKeys(storage, state, name)) {
        const entry = await loadSecretId(storage, key)
        if (entry) accessors.push(entry.accessor)
      }
      return accessors.length === 0 ? undefined : { data: { keys: accessors.sort() } }
    },
  },
})

export const customSecretIdPath = definePath<typeof fields, ApproleState>({
  pattern: 'role/:role_name/custom-secret-id',
  fields,
  help: 'Register a secret ID chosen by the caller (the "push" model).',
  operations: {
    update: (ctx) => {
      const secretId = ctx.input.secret_id
      if (secretId === undefined || secretId === '') throw new InvalidRequestError('missing secret_id')
      return issue(ctx, secretId)
    },
  },
})
