// auth/token/roles/:role_name: named templates that constrain the tokens created through them.

import { cidrText, invalidCidrs } from '../../../lib/cidr.ts'
import { KeyLocks } from '../../../lib/key-locks.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath, type PolicyHolder } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import { listedPolicyHolders } from '../../../sdk/framework/token-params.ts'
import { getJson, putJson } from '../../../sdk/storage.ts'

export interface TokenRole {
  name: string
  allowedPolicies: string[]
  disallowedPolicies: string[]
  /** allowed_policies_glob / disallowed_policies_glob: `*` globs, lower-cased (absent on old roles). */
  allowedPoliciesGlob?: string[]
  disallowedPoliciesGlob?: string[]
  orphan: boolean
  renewable: boolean
  pathSuffix: string
  explicitMaxTtl: number
  period: number
  ttl: number
  maxTtl: number
  numUses: number
  noDefaultPolicy: boolean
  tokenType: string
  /** token_bound_cidrs: tokens made through the role work only from these client addresses (absent on old roles). */
  boundCidrs?: string[]
  /** allowed_entity_aliases, lower-cased: the aliases (or globs) a create through the role may name in entity_alias. */
  allowedEntityAliases?: string[]
  /**
   * What the deprecated names period, explicit_max_ttl and bound_cidrs read back as. Vault keeps them apart from
   * the token_ fields: set alone they mirror them, and a token_ field given clears its old name. Absent on roles
   * stored before this was kept, which read back mirrored as they always did.
   */
  legacy?: { period: number; explicitMaxTtl: number; boundCidrs: string[] }
}

type LegacyFields = NonNullable<TokenRole['legacy']>

const roleKey = (name: string) => `roles/${name}`

export function readRole(
  storage: Parameters<typeof getJson>[0],
  name: string,
): Promise<TokenRole | undefined> {
  return getJson<TokenRole>(storage, roleKey(name.toLowerCase()))
}

/** Token roles as access review sees them: the policies a token created through the role may carry. */
export async function tokenRoleHolders(storage: Parameters<typeof getJson>[0]): Promise<PolicyHolder[]> {
  return listedPolicyHolders(
    await storage.list('roles/'),
    (name) => readRole(storage, name),
    (name, role) => ({
      kind: 'role',
      name,
      policies: [...role.allowedPolicies],
      noDefaultPolicy: role.noDefaultPolicy,
    }),
  )
}

const lowerCased = (list: string[]): string[] => list.map((item) => item.toLowerCase())

function roleData(role: TokenRole): Record<string, unknown> {
  return {
    name: role.name,
    allowed_policies: role.allowedPolicies,
    disallowed_policies: role.disallowedPolicies,
    allowed_policies_glob: role.allowedPoliciesGlob ?? [],
    disallowed_policies_glob: role.disallowedPoliciesGlob ?? [],
    orphan: role.orphan,
    renewable: role.renewable,
    path_suffix: role.pathSuffix,
    explicit_max_ttl: legacyOf(role).explicitMaxTtl,
    token_explicit_max_ttl: role.explicitMaxTtl,
    period: legacyOf(role).period,
    token_period: role.period,
    token_ttl: role.ttl,
    token_max_ttl: role.maxTtl,
    token_num_uses: role.numUses,
    token_no_default_policy: role.noDefaultPolicy,
    token_type: role.tokenType,
    token_bound_cidrs: (role.boundCidrs ?? []).map(cidrText),
    // As Vault, the deprecated name is answered only while it holds something.
    ...(legacyOf(role).boundCidrs.length > 0 ? { bound_cidrs: legacyOf(role).boundCidrs.map(cidrText) } : {}),
    allowed_entity_aliases: role.allowedEntityAliases ?? [],
  }
}

const legacyOf = (role: TokenRole): LegacyFields =>
  role.legacy ?? {
    period: role.period,
    explicitMaxTtl: role.explicitMaxTtl,
    boundCidrs: role.boundCidrs ?? [],
  }

/**
 * Vault's handling of a deprecated name beside its token_ field: the token_ field wins and clears the old name
 * (with a warning if both were sent); the old name alone sets both; neither keeps what was stored.
 */
function legacyField<T>(
  given: T | undefined,
  givenOld: T | undefined,
  stored: T,
  cleared: T,
  names: [string, string],
  warnings: string[],
): T {
  if (given !== undefined) {
    if (givenOld !== undefined)
      warnings.push(
        `Both '${names[0]}' and deprecated '${names[1]}' value supplied, ignoring the deprecated value`,
      )
    return cleared
  }
  return givenOld ?? stored
}

/**
 * Vault's checks on a role fixed to batch tokens: a batch token is never a child in the token tree (a role
 * makes its parent's children unless orphan), never renewed, never periodic and has no explicit max TTL.
 */
function refuseImpossibleBatchRole(role: TokenRole): void {
  if (role.tokenType !== 'batch') return
  const clash = !role.orphan
    ? 'non-orphan tokens'
    : role.period !== 0
      ? 'periodic tokens'
      : role.renewable
        ? 'renewable tokens'
        : role.explicitMaxTtl !== 0
          ? 'tokens with an explicit max TTL'
          : undefined
  if (clash)
    throw new InvalidRequestError(`'token_type' cannot be 'batch' when role is set to generate ${clash}`)
}

export const rolesListPath = definePath({
  pattern: 'roles/',
  listKeys: 'names',
  operations: {
    list: async ({ storage }) => {
      const keys = await storage.list('roles/')
      return listResponse(keys)
    },
  },
})

/**
 * auth/token/roles/:role_name. An update merges into the stored role, so updates and deletes of one role run under
 * its lock and re-read it there: otherwise an update that read the role before another update (or a delete)
 * committed writes the old fields back, undoing a narrowed allowed_policies or resurrecting a deleted role.
 */
/**
 * `mountMaxTtl` gives the token mount's effective max TTL in seconds (0 for none): a role whose explicit max TTL
 * exceeds it is stored with Vault's warning, since its tokens are capped to the mount's max.
 */
export function createRolePath(mountMaxTtl: () => number = () => 0, locks = new KeyLocks()) {
  return definePath({
    pattern: 'roles/:role_name',
    fields: {
      role_name: f.string({ required: true }),
      allowed_policies: f.list(),
      disallowed_policies: f.list(),
      allowed_policies_glob: f.list(),
      disallowed_policies_glob: f.list(),
      orphan: f.bool(),
      renewable: f.bool(),
      path_suffix: f.string(),
      explicit_max_ttl: f.duration(),
      token_explicit_max_ttl: f.duration(),
      period: f.duration(),
      token_period: f.duration(),
      token_ttl: f.duration(),
      token_max_ttl: f.duration(),
      token_num_uses: f.int(),
      token_no_default_policy: f.bool(),
      token_type: f.string(),
      allowed_entity_aliases: f.list(),
      token_bound_cidrs: f.list(),
      // Vault's deprecated name for token_bound_cidrs, still sent by older clients; the new name wins.
      bound_cidrs: f.list(),
    },
    exists: async ({ storage, input }) => (await readRole(storage, input.role_name!)) !== undefined,
    operations: {
      read: async ({ storage, input }) => {
        const role = await readRole(storage, input.role_name!)
        return role ? { data: roleData(role) } : undefined
      },
      update: ({ storage, input }) => {
        const name = input.role_name!.toLowerCase()
        return locks.run(name, async () => {
          const old = await readRole(storage, name)
          const tokenType = (input.token_type ?? old?.tokenType ?? 'default-service').toLowerCase()
          if (!['service', 'batch', 'default-service', 'default-batch', 'default', ''].includes(tokenType)) {
            throw new InvalidRequestError(
              `invalid token_type "${tokenType}": use "service", "batch", "default-service" or "default-batch"`,
            )
          }
          const boundCidrs = input.token_bound_cidrs ?? input.bound_cidrs ?? old?.boundCidrs ?? []
          const invalid = invalidCidrs(boundCidrs)
          if (invalid.length > 0)
            throw new InvalidRequestError(`invalid CIDR block in token_bound_cidrs: ${invalid.join(', ')}`)
          if (input.path_suffix?.includes('..'))
            throw new InvalidRequestError('path_suffix cannot contain ".."')
          const role: TokenRole = {
            name,
            // Policy names are case-insensitive (stored lower-cased), so the role's lists are too, as in Vault.
            allowedPolicies: lowerCased(input.allowed_policies ?? old?.allowedPolicies ?? []),
            disallowedPolicies: lowerCased(input.disallowed_policies ?? old?.disallowedPolicies ?? []),
            allowedPoliciesGlob: lowerCased(input.allowed_policies_glob ?? old?.allowedPoliciesGlob ?? []),
            disallowedPoliciesGlob: lowerCased(
              input.disallowed_policies_glob ?? old?.disallowedPoliciesGlob ?? [],
            ),
            orphan: input.orphan ?? old?.orphan ?? false,
            renewable: input.renewable ?? old?.renewable ?? true,
            pathSuffix: input.path_suffix ?? old?.pathSuffix ?? '',
            explicitMaxTtl:
              input.token_explicit_max_ttl ?? input.explicit_max_ttl ?? old?.explicitMaxTtl ?? 0,
            period: input.token_period ?? input.period ?? old?.period ?? 0,
            ttl: input.token_ttl ?? old?.ttl ?? 0,
            maxTtl: input.token_max_ttl ?? old?.maxTtl ?? 0,
            numUses: input.token_num_uses ?? old?.numUses ?? 0,
            noDefaultPolicy: input.token_no_default_policy ?? old?.noDefaultPolicy ?? false,
            tokenType,
            boundCidrs,
            // As Vault: stored lower-cased, and an entity_alias is compared lower-cased.
            allowedEntityAliases: (input.allowed_entity_aliases ?? old?.allowedEntityAliases ?? []).map((a) =>
              a.toLowerCase(),
            ),
          }
          const warnings: string[] = []
          const stored = old ? legacyOf(old) : { period: 0, explicitMaxTtl: 0, boundCidrs: [] }
          role.legacy = {
            period: legacyField(
              input.token_period,
              input.period,
              stored.period,
              0,
              ['token_period', 'period'],
              warnings,
            ),
            boundCidrs: legacyField(
              input.token_bound_cidrs,
              input.bound_cidrs,
              stored.boundCidrs,
              [],
              ['token_bound_cidrs', 'bound_cidrs'],
              warnings,
            ),
            explicitMaxTtl: legacyField(
              input.token_explicit_max_ttl,
              input.explicit_max_ttl,
              stored.explicitMaxTtl,
              0,
              ['token_explicit_max_ttl', 'explicit_max_ttl'],
              warnings,
            ),
          }
          refuseImpossibleBatchRole(role)
          await putJson(storage, roleKey(name), role)
          const max = mountMaxTtl()
          if (role.explicitMaxTtl > 0 && max > 0 && role.explicitMaxTtl > max)
            warnings.push(
              `Given explicit max TTL of ${role.explicitMaxTtl} is greater than system/mount allowed value of ${max} seconds; tokens created against this role are capped to ${max} seconds`,
            )
          return warnings.length > 0 ? { warnings } : undefined
        })
      },
      delete: ({ storage, input }) => {
        const name = input.role_name!.toLowerCase()
        return locks.run(name, async () => {
          await storage.delete(roleKey(name))
          return undefined
        })
      },
    },
  })
}
