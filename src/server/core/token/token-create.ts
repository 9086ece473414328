// auth/token/create, create-orphan and create/:role_name: child tokens within the parent's authority.
import { globListMatch } from '../../../lib/glob.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath, type HandlerContext } from '../../../sdk/framework/backend.ts'
import { type FieldValues, f } from '../../../sdk/framework/fields.ts'
import { NON_ASSIGNABLE_POLICIES } from '../../policy/builtin-policies.ts'
import { withIdentityPolicies } from '../identity/effective.ts'
import { authOf, type CoreHandlerResponse } from '../logical-request.ts'
import type { UnsealedServices } from '../services.ts'
import { createPolicies } from './create-policies.ts'
import { issuedAuth } from './issued-auth.ts'
import { readRole, type TokenRole } from './token-roles.ts'

/** Metadata keys of the AWS identity an aws-keys login records (resource and key policies read them: sdk/iam-policy.ts). */
const AWS_IDENTITY_META = ['arn', 'account_id', 'user_id', 'access_key_id']

/** What creating tokens uses: the stores, the token mount's TTLs and the clock. */
export type TokenCreateServices = Pick<
  UnsealedServices,
  'tokens' | 'policies' | 'identity' | 'mounts' | 'clock'
>

const createFields = {
  role_name: f.string(),
  id: f.string({ sensitive: true }),
  policies: f.list(),
  meta: f.stringMap(),
  metadata: f.stringMap(),
  no_parent: f.bool(),
  no_default_policy: f.bool(),
  renewable: f.bool(),
  ttl: f.duration(),
  lease: f.duration(),
  explicit_max_ttl: f.duration(),
  display_name: f.string(),
  num_uses: f.int(),
  period: f.duration(),
  type: f.string(),
  entity_alias: f.string(),
}

type CreateInput = FieldValues<typeof createFields>

/**
 * The type to mint, as Vault decides it: a role's "service" or "batch" is what the token gets, whatever the request
 * asked for; "default-batch" and "default-service" (or none) are defaults the request's `type` may override.
 */
function tokenTypeFor(roleType: string, requested: string): 'service' | 'batch' {
  if (roleType === 'service' || roleType === 'batch') return roleType
  if (requested === 'service' || requested === 'batch') return requested
  return roleType === 'default-batch' ? 'batch' : 'service'
}

/** The request's value, the role's, or the lesser of both with Vault's warning when both are set (0 is unset). */
function lesserOf(
  requested: number | undefined,
  fromRole: number | undefined,
  what: string,
  warnings: string[],
): number {
  const asked = requested ?? 0
  const limit = fromRole ?? 0
  if (limit === 0) return asked
  if (asked === 0) return limit
  const lesser = Math.min(asked, limit)
  warnings.push(
    `${what} specified both during creation call and in role; using the lesser value of ${lesser} seconds`,
  )
  return lesser
}

/**
 * The entity a new token acts for: the parent's, or, with entity_alias, the entity holding that alias on the token
 * mount (created on first use), as Vault does. Only a role may allow it, and only for the aliases it lists, so a
 * caller cannot pick an identity (and its identity policies) the role does not name.
 */
async function entityFor(
  services: TokenCreateServices,
  role: TokenRole | undefined,
  alias: string | undefined,
  parentEntityId: string,
): Promise<string> {
  if (alias === undefined || alias === '') return parentEntityId
  if (!role) throw new InvalidRequestError("'entity_alias' is only allowed in combination with token role")
  const allowed = role.allowedEntityAliases ?? []
  const lower = alias.toLowerCase()
  if (!allowed.includes(lower) && !globListMatch(allowed, lower))
    throw new InvalidRequestError("invalid 'entity_alias' value")
  const mount = services.mounts.find('auth/token/')!
  return services.identity.login(mount.accessor, { name: alias })
}

/**
 * A role's token_num_uses is a ceiling, as in Vault: the request may ask fewer uses, but not more and not unlimited
 * (0), or a caller could lift the limit the role was written to impose.
 */
function usesFor(requested: number, fromRole: number): number {
  if (fromRole === 0) return requested
  if (requested === 0) return fromRole
  return Math.min(requested, fromRole)
}

/**
 * As Vault: a chosen id has no '.', which generated tokens use to mark their kind ("cvs." service and "cvb." batch
 * here, "hvs." and "s." in Vault), so no chosen token can pass for a generated one, a batch one least of all.
 */
function refuseDottedId(id: string): void {
  for (const prefix of ['cvs.', 'cvb.', 'hvs.', 's.'])
    if (id.startsWith(prefix))
      throw new InvalidRequestError(`custom token ID cannot have the '${prefix}' prefix`)
  if (id.includes('.')) throw new InvalidRequestError("custom token ID cannot have a '.' in the value")
}

export const CUSTOM_ID_WARNING =
  'Supplying a custom ID for the token: the token is only as hard to guess as the ID supplied, where a generated token is random.'

export const BATCH_ID_WARNING =
  'A batch token cannot have a chosen ID: the id given was ignored and one was generated.'

async function createToken(
  services: TokenCreateServices,
  ctx: HandlerContext<typeof createFields>,
  mode: 'child' | 'orphan' | 'role',
) {
  const parent = authOf(ctx.request)
  if (!parent) throw new InvalidRequestError('a client token is required to create a token')
  const input: CreateInput = ctx.input
  const isRoot = parent.entry.policies.includes('root')
  const acl = await services.policies.acl(parent.entry.policies)
  const privileged =
    isRoot || acl.authorize({ path: `auth/token/${ctx.request.path}`, operation: 'update' }).sudo
  if (parent.entry.numUses > 0)
    throw new InvalidRequestError('restricted use token cannot generate child tokens')
  if (parent.entry.type === 'batch') throw new InvalidRequestError('batch tokens cannot create more tokens')
  const requested = (input.type ?? '').toLowerCase()
  if (!['', 'service', 'default', 'batch'].includes(requested))
    throw new InvalidRequestError(`invalid token type "${input.type}": use "service" or "batch"`)
  if (input.id !== undefined && !privileged) {
    throw new InvalidRequestError('root or sudo privileges required to specify token id')
  }
  let role: TokenRole | undefined
  if (mode === 'role') {
    role = await readRole(ctx.storage, input.role_name ?? '')
    if (!role) throw new InvalidRequestError(`unknown role ${input.role_name ?? ''}`)
  }
  const type = tokenTypeFor(role?.tokenType ?? '', requested)
  // As Vault, checked in its order: a batch token takes no explicit max TTL (its TTL is already final), use count
  // or period the request names; 0 is no setting (a negative use count is named too).
  if (type === 'batch') {
    const bad =
      (input.explicit_max_ttl ?? 0) > 0
        ? 'explicit_max_ttl'
        : (input.num_uses ?? 0) !== 0
          ? 'num_uses'
          : (input.period ?? 0) > 0
            ? 'period'
            : undefined
    if (bad) throw new InvalidRequestError(`batch tokens cannot have "${bad}" set`)
  }
  let orphan = mode === 'orphan' || role?.orphan === true
  // As Vault: through a role only the role's `orphan` decides, and `no_parent` is ignored (not refused).
  if (input.no_parent && !role) {
    if (!privileged) throw new InvalidRequestError('root or sudo privileges required to create orphan token')
    orphan = true
  }
  // As in Vault, a child acts for its parent's entity (and gets its identity policies); an orphan acts for none,
  // unless the role let the request name one through entity_alias.
  const entityId = await entityFor(services, role, input.entity_alias, orphan ? '' : parent.entry.entityId)
  // A child made without a role keeps its parent's token_bound_cidrs, so a bound token cannot mint an unbound
  // one to use from elsewhere; through a role the role's own bound CIDRs apply, as in Vault.
  const boundCidrs = role ? (role.boundCidrs ?? []) : orphan ? [] : (parent.entry.boundCidrs ?? [])
  // As Vault: asking for a period needs root or sudo even through a role (a role's own token_period does not).
  if (input.period !== undefined && input.period > 0 && !privileged) {
    throw new InvalidRequestError('root or sudo privileges required to create periodic token')
  }
  if ((input.num_uses ?? 0) < 0) throw new InvalidRequestError('number of uses cannot be negative')
  // The role's token_no_default_policy cannot be undone by the request, as in Vault.
  const noDefault = input.no_default_policy === true || role?.noDefaultPolicy === true
  const policies = createPolicies(input.policies, role, parent.entry.policies, privileged, noDefault)
  // Internal policies (a wrapping token's) are never given out: a token holding one would pass for a wrapping token.
  const internal = policies.find((p) => NON_ASSIGNABLE_POLICIES.includes(p))
  if (internal !== undefined) throw new InvalidRequestError(`cannot assign policy "${internal}"`)
  if (policies.includes('root') && !isRoot)
    throw new InvalidRequestError('root tokens may not be created without parent token being root')
  if (policies.length === 0) throw new InvalidRequestError('token must have at least one policy')

  const warnings: string[] = []
  // Vault warns here too (first, as Vault orders it). Its text speaks of the weaker hash Vault stores a chosen id
  // under; Coffer stores it under the same HMAC as any token, so the warning names the risk that remains.
  // A batch token's value is its sealed contents, so it cannot be chosen: Vault mints one anyway and ignores the id
  // (after the sudo check above); Coffer does the same and says so.
  const chosenId = type === 'batch' ? undefined : input.id
  if (chosenId !== undefined) refuseDottedId(chosenId)
  if (input.id !== undefined) warnings.push(chosenId === undefined ? BATCH_ID_WARNING : CUSTOM_ID_WARNING)
  for (const name of policies) {
    if (!(await services.policies.exists(name))) warnings.push(`Policy "${name}" does not exist`)
  }
  const mount = services.mounts.find('auth/token/')!
  const ttls = services.mounts.effectiveTtls(mount)
  const maxTtl = role?.maxTtl ? Math.min(role.maxTtl, ttls.maxLeaseTtl) : ttls.maxLeaseTtl
  const ttl = input.ttl ?? input.lease ?? (role?.ttl || ttls.defaultLeaseTtl)
  // A role's explicit max TTL and period are limits the request may lower but not raise (Vault's lesser value).
  const explicitMaxTtl = lesserOf(input.explicit_max_ttl, role?.explicitMaxTtl, 'Explicit max TTL', warnings)
  const period = lesserOf(input.period, role?.period, 'Period', warnings)
  // Vault reads `ttl` when given (even "0"), else the old `lease`; a root token asking for neither or for 0 does not
  // expire, and one asking for a lease does.
  const askedTtl = input.ttl !== undefined ? input.ttl : input.lease
  const nonExpiring = policies.includes('root') && (askedTtl ?? 0) === 0
  if (nonExpiring && period === 0 && explicitMaxTtl === 0 && parent.entry.expireTime !== 0)
    throw new InvalidRequestError('expiring root tokens cannot create non-expiring root tokens')
  // As Vault: each character outside [a-zA-Z0-9-] becomes '-', case is kept, and one trailing '-' is dropped.
  const displayName = input.display_name
    ? `token-${input.display_name}`.replace(/[^a-zA-Z0-9-]/g, '-').replace(/-$/, '')
    : 'token'
  const given = input.meta ?? input.metadata ?? {}
  // The AWS identity a Secrets Manager resource policy names is read from these keys: only an access-key login
  // sets them. A token made here cannot claim another identity, and every token made here carries its maker's, an
  // orphan too, so it cannot shed one either (a Deny naming the maker binds what it makes; an orphan that dropped
  // the ARN would pass as a plain token of the account, which policies delegating to the account let through).
  const reserved = AWS_IDENTITY_META.find((key) => Object.hasOwn(given, key))
  if (reserved)
    throw new InvalidRequestError(
      `metadata key "${reserved}" is reserved for tokens issued by an AWS access-key login`,
    )
  const inherited: Record<string, string> = {}
  for (const key of AWS_IDENTITY_META) {
    const value = parent.entry.meta[key]
    if (value !== undefined) inherited[key] = value
  }
  const meta = { ...given, ...inherited }
  const { token, entry } = await services.tokens.issue(type, {
    policies,
    parentHash: orphan ? '' : parent.entry.idHash,
    meta,
    displayName,
    numUses: usesFor(input.num_uses ?? 0, role?.numUses ?? 0),
    ttl: nonExpiring ? 0 : ttl,
    maxTtl: nonExpiring ? 0 : maxTtl,
    explicitMaxTtl,
    period,
    // A role that makes tokens non-renewable cannot be overridden by the request.
    renewable: (input.renewable ?? true) && (role?.renewable ?? true),
    path: role
      ? `auth/token/create/${role.name}${role.pathSuffix ? `/${role.pathSuffix}` : ''}`
      : `auth/token/${ctx.request.path}`,
    role: role?.name ?? '',
    ...(boundCidrs.length > 0 ? { boundCidrs } : {}),
    entityId,
    ...(chosenId !== undefined ? { id: chosenId } : {}),
  })
  const issued = await withIdentityPolicies(
    services.identity,
    issuedAuth(token, entry, services.clock.now()),
    entry,
  )
  const response: CoreHandlerResponse = { issuedAuth: issued }
  if (warnings.length > 0) response.warnings = warnings
  return response
}

export function tokenCreatePaths(services: TokenCreateServices) {
  return [
    definePath({
      pattern: 'create',
      fields: createFields,
      operations: { update: (ctx) => createToken(services, ctx, 'child') },
    }),
    definePath({
      pattern: 'create-orphan',
      fields: createFields,
      operations: { update: (ctx) => createToken(services, ctx, 'orphan') },
    }),
    definePath({
      pattern: 'create/:role_name',
      fields: createFields,
      operations: { update: (ctx) => createToken(services, ctx, 'role') },
    }),
  ]
}
