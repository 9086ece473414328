// sys/leases (lookup, list, renew, revoke, revoke-prefix, revoke-force, tidy) and the older sys/renew, sys/revoke spellings.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath, type HandlerContext } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import { listResponse } from '../../sdk/framework/list-response.ts'
import type { CoreHandlerResponse } from '../core/logical-request.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type LeasePathServices = Pick<SystemServices, 'expiration' | 'tokens'>

/** Vault's warning on sys/leases/tidy, naming where the outcome goes. */
const TIDY_STARTED =
  "Tidy operation successfully started. Any information from the operation will be printed to Coffer's server logs."

const leaseFields = {
  lease_id: f.string(),
  url_lease_id: f.string(),
  increment: f.duration(),
  sync: f.bool({ default: true }),
}

type LeaseCtx = HandlerContext<typeof leaseFields>

/** The lease id from the URL (`renew/<id>`) or the body, as Vault accepts either. */
function leaseIdOf(ctx: LeaseCtx): string {
  const id = ctx.params['url_lease_id'] || ctx.input.lease_id
  if (!id) throw new InvalidRequestError('lease_id must be specified')
  return id.replace(/^\/+/, '')
}

function prefixOf(ctx: HandlerContext): string {
  return (ctx.params['prefix'] ?? '').replace(/^\/+/, '')
}

export function leasePaths(services: LeasePathServices) {
  const renew = async (ctx: LeaseCtx): Promise<CoreHandlerResponse> => {
    const result = await services.expiration.renew(leaseIdOf(ctx), ctx.input.increment ?? 0)
    return {
      leaseInfo: { leaseId: result.leaseId, ttl: result.ttl, renewable: result.renewable },
      ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
    }
  }
  const revoke = async (ctx: LeaseCtx) => {
    const id = leaseIdOf(ctx)
    if (ctx.input.sync === false) {
      // Asynchronous revocation: accepted now; a failure is retried by the expiry loop and shown by lookup. The lease
      // is stored as due first, so a stop before the revocation runs does not lose what was accepted.
      await services.expiration.expedite(id)
      services.expiration.revoke(id).catch(() => undefined)
      return { status: 202, data: null }
    }
    await services.expiration.revoke(id)
    return undefined
  }
  const revokePrefix = (force: boolean) => async (ctx: HandlerContext) => {
    const prefix = prefixOf(ctx)
    if (prefix === '') throw new InvalidRequestError('prefix must be specified')
    await services.expiration.revokePrefix(prefix, { force })
    // Tokens' leases are not stored as leases here, but their revocation by prefix is Vault's way to end every
    // token of an auth method or login path (incident response): it must not answer 204 and leave them working.
    if (`${prefix}/`.startsWith('auth/'))
      await services.tokens.revokeCreatedUnder(prefix.replace(/\/*$/, '/'))
    return undefined
  }
  return [
    definePath({
      pattern: 'leases/lookup',
      fields: { lease_id: f.string() },
      operations: {
        update: async ({ input }) => {
          if (!input.lease_id) throw new InvalidRequestError('lease_id must be specified')
          return { data: await services.expiration.lookup(input.lease_id) }
        },
      },
    }),
    definePath({
      pattern: 'leases/lookup/*prefix',
      listKeys: 'names',
      operations: {
        list: async (ctx) => {
          const keys = await services.expiration.list(prefixOf(ctx))
          return listResponse(keys)
        },
      },
    }),
    ...['leases/renew', 'renew'].flatMap((base) => [
      definePath({ pattern: base, fields: leaseFields, operations: { update: renew } }),
      definePath({ pattern: `${base}/*url_lease_id`, fields: leaseFields, operations: { update: renew } }),
    ]),
    ...['leases/revoke', 'revoke'].flatMap((base) => [
      definePath({ pattern: base, fields: leaseFields, operations: { update: revoke } }),
      definePath({ pattern: `${base}/*url_lease_id`, fields: leaseFields, operations: { update: revoke } }),
    ]),
    ...['leases/revoke-prefix', 'revoke-prefix'].map((base) =>
      definePath({
        pattern: `${base}/*prefix`,
        // hvac repeats the prefix in the body, as Vault's field list allows.
        fields: { prefix: f.string(), sync: f.bool() },
        operations: { update: revokePrefix(false) },
      }),
    ),
    ...['leases/revoke-force', 'revoke-force'].map((base) =>
      definePath({
        pattern: `${base}/*prefix`,
        fields: { prefix: f.string() },
        operations: { update: revokePrefix(true) },
      }),
    ),
    definePath({
      pattern: 'leases/tidy',
      operations: {
        // Vault's answer: 202 at once, the tidy (a walk over every token's leases) continuing in the background.
        update: async () => {
          void services.expiration.tidyInBackground(
            async (tokenHash) => (await services.tokens.lookupByHash(tokenHash)) !== undefined,
          )
          return { status: 202, data: null, warnings: [TIDY_STARTED] }
        },
      },
    }),
  ]
}

/** sys paths that need sudo, as in Vault: listing every lease (or the irrevocable ones) and revoking by prefix. */
export const LEASE_ROOT_PATHS = [
  // The irrevocable lease listing (path-leases-irrevocable.ts); its count is not sudo, as in Vault.
  'leases',
  'leases/lookup/*',
  'leases/revoke-prefix/*',
  'leases/revoke-force/*',
  'revoke-prefix/*',
  'revoke-force/*',
]
