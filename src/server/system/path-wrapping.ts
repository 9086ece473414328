// sys/wrapping: wrap arbitrary data, look up, unwrap and rewrap wrapping tokens.
import { parseDuration } from '../../lib/duration.ts'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath, type HandlerContext } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import { authOf, type CoreHandlerResponse } from '../core/logical-request.ts'
import {
  lookupWrapping,
  parseWrapTtl,
  rewrap,
  unwrap,
  type WrappingServices,
  type WrappingTokenSource,
  wrapResponse,
} from '../core/wrapping.ts'

/** The services this file uses. */
export type WrappingPathServices = WrappingServices

const tokenField = { token: f.string({ sensitive: true }) }

/** The wrapping token from the body, else the caller's own token (a wrapping token presented as X-Vault-Token). */
function wrappingTokenOf(ctx: HandlerContext<typeof tokenField>): WrappingTokenSource {
  const auth = authOf(ctx.request)
  const token = ctx.input.token || auth?.token
  if (!token) throw new InvalidRequestError('wrapping token is not valid or does not exist')
  // The caller's own token had its single use spent by this very request: it is redeemed here, not claimed again.
  if (auth?.lastUse && auth.token === token) return { token, spent: auth.entry }
  return { token }
}

export function wrappingPaths(services: WrappingPathServices) {
  return [
    definePath({
      pattern: 'wrapping/wrap',
      acceptAnyData: true,
      operations: {
        // An empty body wraps an empty object, as in Vault (hvac's sys.wrap() sends `{}` by default). Without a
        // wrap TTL the request is refused, as Vault refuses it: Vault's CLI and Go client, hvac's sys.wrap() and
        // Coffer's own client all send one for this path.
        update: async (ctx): Promise<CoreHandlerResponse> => {
          const ttl = parseWrapTtl(ctx.request.headers['x-vault-wrap-ttl'] ?? '', parseDuration)
          if (ttl === 0) throw new InvalidRequestError('endpoint requires response wrapping to be used')
          const wrapped = await wrapResponse(
            services,
            { data: ctx.request.data },
            { ttl, creationPath: 'sys/wrapping/wrap', requestId: ctx.request.id },
          )
          return { wrapped: wrapped.wrapInfo! }
        },
      },
    }),
    definePath({
      pattern: 'wrapping/lookup',
      fields: tokenField,
      operations: {
        update: async (ctx) => ({ data: await lookupWrapping(services, wrappingTokenOf(ctx).token) }),
        read: async (ctx) => ({ data: await lookupWrapping(services, wrappingTokenOf(ctx).token) }),
      },
    }),
    definePath({
      pattern: 'wrapping/unwrap',
      fields: tokenField,
      operations: {
        update: async (ctx): Promise<CoreHandlerResponse> => {
          const stored = await unwrap(services, wrappingTokenOf(ctx))
          return {
            ...(stored.data !== undefined ? { data: stored.data } : {}),
            ...(stored.warnings?.length ? { warnings: stored.warnings } : {}),
            ...(stored.auth ? { issuedAuth: stored.auth } : {}),
            ...(stored.lease ? { leaseInfo: stored.lease } : {}),
            ...(stored.leaseDuration !== undefined ? { leaseDuration: stored.leaseDuration } : {}),
            // As Vault's unwrap: the answer as first given, with its status and the id of the request that made it.
            ...(stored.status !== undefined ? { status: stored.status } : {}),
            ...(stored.requestId !== undefined ? { unwrappedRequestId: stored.requestId } : {}),
          }
        },
      },
    }),
    definePath({
      pattern: 'wrapping/rewrap',
      fields: tokenField,
      operations: {
        update: async (ctx): Promise<CoreHandlerResponse> => {
          const wrapped = await rewrap(services, wrappingTokenOf(ctx))
          return { wrapped: wrapped.wrapInfo! }
        },
      },
    }),
  ]
}

/** Looking up a wrapping token needs no token of one's own, as in Vault: the wrapping token is the credential. */
export const WRAPPING_UNAUTHENTICATED_PATHS = ['wrapping/lookup']
