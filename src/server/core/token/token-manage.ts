// auth/token lookup, renew and revoke paths, for the caller's own token, another token, or an accessor.

import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { definePath, type HandlerContext } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import type { ConnectionInfo } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { effectivePolicies, withIdentityPolicies } from '../identity/effective.ts'
import { authOf, type CoreHandlerResponse } from '../logical-request.ts'
import type { UnsealedServices } from '../services.ts'
import { ttlCappedWarning } from '../ttl-caps.ts'
import { issuedAuth } from './issued-auth.ts'
import { loginRenewalTtl } from './login-renewal-ttl.ts'
import { lookupData, type TokenEntry, USES_SPENT } from './token-entry.ts'
import { readRole } from './token-roles.ts'
import { renewalTarget } from './token-store.ts'

/** What looking up, renewing and revoking tokens uses. */
export type TokenManageServices = Pick<UnsealedServices, 'tokens' | 'identity' | 'mounts' | 'clock'>

function badToken(): PermissionDeniedError {
  return new PermissionDeniedError('bad token')
}

function self(ctx: HandlerContext): { token: string; entry: TokenEntry } {
  const auth = authOf(ctx.request)
  if (!auth) throw badToken()
  return auth
}

/**
 * The entry of a token named in the body. An unknown token is a 403 "bad token" for a lookup but, as in Vault, a
 * 400 naming what is missing for renew and revoke-orphan: those callers are allowed in, only the target is gone,
 * and a 403 would tell a client its own token had failed.
 */
async function byToken(
  services: TokenManageServices,
  token: string | undefined,
  unknown: () => Error = badToken,
): Promise<TokenEntry> {
  if (!token) throw new InvalidRequestError('missing token ID')
  const entry = await services.tokens.lookup(token)
  if (!entry) throw unknown()
  return entry
}

const renewTargetGone = () => new InvalidRequestError('token not found')
const revokeTargetGone = () => new InvalidRequestError('token to revoke not found')

async function byAccessor(services: TokenManageServices, accessor: string | undefined): Promise<TokenEntry> {
  if (!accessor) throw new InvalidRequestError('missing accessor')
  const entry = await services.tokens.lookupByAccessor(accessor)
  if (!entry) throw new InvalidRequestError('invalid accessor')
  return entry
}

/** Batch tokens are neither renewed nor revoked: they live for their TTL (or until their parent goes). */
function refuseBatch(entry: TokenEntry, what: 'renewed' | 'revoked'): TokenEntry {
  if (entry.type === 'batch') throw new InvalidRequestError(`batch tokens cannot be ${what}`)
  return entry
}

async function renewed(
  services: TokenManageServices,
  storage: Storage,
  entry: TokenEntry,
  token: string,
  increment: number | undefined,
  gone: () => Error = badToken,
  connection?: ConnectionInfo,
) {
  refuseBatch(entry, 'renewed')
  const requested = increment ?? 0
  let updated: TokenEntry | undefined
  let warnings: string[] = []
  if (entry.login) {
    // A login token renews only while its auth method still vouches for it (user, role or cert unchanged).
    const mount = services.mounts.entries.find((m) => m.accessor === entry.login!.mountAccessor)
    const backend = mount && services.mounts.router.get(mount.path)?.backend
    if (!mount || !backend)
      throw new InvalidRequestError('the auth method that issued this token is no longer enabled')
    // The renewal's own TLS connection goes along: Vault's cert method re-checks the client certificate on it.
    const settings = await backend.renewLogin({
      internal: entry.login.internal,
      policies: entry.policies,
      connection,
    })
    if (settings !== undefined) {
      // As Vault: the role's token_ttl, token_max_ttl and token_period as they are now, and the mount's TTLs,
      // decide every renewal, so raising or lowering the max on the role moves tokens already issued.
      const mountTtls = services.mounts.effectiveTtls(mount)
      updated = await services.tokens.renewWith(entry, (fresh, now) => {
        const plan = loginRenewalTtl({
          increment: requested,
          settings,
          mountTtls,
          explicitMaxTtl: fresh.explicitMaxTtl,
          creationTime: fresh.creationTime,
          now,
        })
        warnings = plan.warnings
        return plan.ttl
      })
    } else updated = await services.tokens.renew(entry, requested)
  } else {
    // As Vault: a token made through a token role renews only while that role exists (deleting the role ends its
    // tokens at their current TTL), and under the role's explicit max TTL as the role now says, counted from the
    // token's creation.
    const role = entry.role !== '' ? await readRole(storage, entry.role) : undefined
    if (entry.role !== '' && !role)
      throw new InvalidRequestError(`original token role "${entry.role}" could not be found, not renewing`)
    updated = await services.tokens.renew(entry, requested, role?.explicitMaxTtl ?? 0)
    if (updated) {
      // As Vault's CalculateTTL: say so when the max TTL cut the renewal short, rather than silently grant less.
      const wanted = renewalTarget(entry, requested)
      const granted = Math.round((updated.expireTime - services.clock.now()) / 1000)
      if (entry.period === 0 && wanted > granted) warnings = [ttlCappedWarning(wanted, granted)]
    }
  }
  // Revoked or expired since it was looked up.
  if (!updated) throw gone()
  const now = services.clock.now()
  // As Vault: a renewal's auth block shows the entity's policies beside the token's, as the login's did.
  const response: CoreHandlerResponse = {
    issuedAuth: await withIdentityPolicies(services.identity, issuedAuth(token, updated, now), updated),
  }
  if (warnings.length > 0) response.warnings = warnings
  return response
}

/**
 * The caller's own entry as stored once this request's use was counted, as Vault reads it afresh: a limited-use
 * token shows the use just taken, and its last use shows -1 (Vault's revocation-pending mark).
 */
async function afterUse(services: TokenManageServices, entry: TokenEntry): Promise<TokenEntry> {
  if (entry.numUses <= 0) return entry
  return (await services.tokens.lookupByHash(entry.idHash)) ?? { ...entry, numUses: USES_SPENT }
}

/** A token lookup as Vault shows it: `identity_policies` lists what the token's entity and groups add. */
async function withIdentity(
  services: TokenManageServices,
  ...args: Parameters<typeof lookupData>
): Promise<Record<string, unknown>> {
  const data = lookupData(...args)
  const entry = args[0]
  if (entry.entityId === '') return data
  const effective = await effectivePolicies(services.identity, entry)
  if (effective?.identityPolicies.length) data['identity_policies'] = effective.identityPolicies
  return data
}

export function tokenManagePaths(services: TokenManageServices) {
  const now = () => services.clock.now()
  const tokenField = { token: f.string({ sensitive: true }) }
  const accessorField = { accessor: f.string() }
  const incrementField = { increment: f.duration() }
  // As Vault: a lookup that names no token looks up the caller's own (ACL'd as auth/token/lookup, not -self).
  const lookedUp = async (ctx: HandlerContext & { input: { token?: string } }) => {
    const named = ctx.input.token
    // The caller's own token, named or not, is read as lookup-self reads it: its last use is spent (and the entry
    // gone) by the time the handler runs, and Vault shows it with -1 rather than refusing it.
    const caller = authOf(ctx.request)
    if (!named || (caller !== undefined && named === caller.token)) {
      const { token, entry } = self(ctx)
      return withIdentity(services, await afterUse(services, entry), now(), token)
    }
    return withIdentity(services, await byToken(services, named), now(), named)
  }
  return [
    definePath({
      pattern: 'lookup-self',
      operations: {
        read: async (ctx) => {
          const { token, entry } = self(ctx)
          return { data: await withIdentity(services, await afterUse(services, entry), now(), token) }
        },
        update: async (ctx) => {
          const { token, entry } = self(ctx)
          return { data: await withIdentity(services, await afterUse(services, entry), now(), token) }
        },
      },
    }),
    definePath({
      pattern: 'lookup',
      fields: tokenField,
      operations: {
        update: async (ctx) => ({ data: await lookedUp(ctx) }),
        read: async (ctx) => ({ data: await lookedUp(ctx) }),
      },
    }),
    definePath({
      pattern: 'lookup-accessor',
      fields: accessorField,
      operations: {
        update: async ({ input }) => ({
          data: await withIdentity(services, await byAccessor(services, input.accessor), now(), ''),
        }),
      },
    }),
    definePath({
      pattern: 'renew-self',
      fields: incrementField,
      operations: {
        update: async (ctx) => {
          const { token, entry } = self(ctx)
          return renewed(
            services,
            ctx.storage,
            entry,
            token,
            ctx.input.increment,
            badToken,
            ctx.request.connection,
          )
        },
      },
    }),
    definePath({
      pattern: 'renew',
      fields: { ...tokenField, ...incrementField },
      operations: {
        update: async ({ input, storage, request }) =>
          renewed(
            services,
            storage,
            await byToken(services, input.token, renewTargetGone),
            input.token!,
            input.increment,
            renewTargetGone,
            request.connection,
          ),
      },
    }),
    definePath({
      pattern: 'renew-accessor',
      fields: { ...accessorField, ...incrementField },
      operations: {
        update: async ({ input, storage, request }) =>
          renewed(
            services,
            storage,
            await byAccessor(services, input.accessor),
            '',
            input.increment,
            badToken,
            request.connection,
          ),
      },
    }),
    definePath({
      pattern: 'revoke-self',
      operations: {
        update: async (ctx) => {
          await services.tokens.revokeTree(refuseBatch(self(ctx).entry, 'revoked').idHash)
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'revoke',
      fields: tokenField,
      operations: {
        update: async ({ input }) => {
          if (!input.token) throw new InvalidRequestError('missing token ID')
          const entry = await services.tokens.lookup(input.token)
          if (entry) await services.tokens.revokeTree(refuseBatch(entry, 'revoked').idHash)
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'revoke-accessor',
      fields: accessorField,
      operations: {
        update: async ({ input }) => {
          if (!input.accessor) throw new InvalidRequestError('missing accessor')
          const entry = await services.tokens.lookupByAccessor(input.accessor)
          // As Vault: revoking is idempotent, so a token already gone (or never there) is a 200 with a warning that
          // clients read as "already revoked", not an error.
          if (!entry) return { warnings: ['No token found with this accessor'] }
          await services.tokens.revokeTree(entry.idHash)
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'revoke-orphan',
      fields: tokenField,
      operations: {
        update: async ({ input }) => {
          await services.tokens.revokeOrphan(
            refuseBatch(await byToken(services, input.token, revokeTargetGone), 'revoked').idHash,
          )
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'accessors/',
      listKeys: 'names',
      operations: {
        list: async () => {
          const keys = await services.tokens.accessors()
          return listResponse(keys)
        },
      },
    }),
    definePath({
      pattern: 'tidy',
      operations: {
        update: async () => {
          const revoked = await services.tokens.sweepExpired()
          // Vault answers 202 Accepted (its tidy runs in the background); clients check for that status.
          return { status: 202, warnings: [`Tidy operation revoked ${revoked} expired tokens.`] }
        },
      },
    }),
  ]
}
