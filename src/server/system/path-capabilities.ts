// sys/capabilities, sys/capabilities-self and sys/capabilities-accessor: what a token may do on given paths.
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f, parseStringList } from '../../sdk/framework/fields.ts'
import type { LogicalResponse } from '../../sdk/request.ts'
import { effectivePolicies } from '../core/identity/effective.ts'
import { authOf } from '../core/logical-request.ts'
import type { SystemServices } from '../core/services.ts'
import type { TokenEntry } from '../core/token/token-entry.ts'

/** The services this file uses. */
export type CapabilitiesServices = Pick<SystemServices, 'identity' | 'policies' | 'tokens'>

const fields = { paths: f.any(), path: f.any(), token: f.string({ sensitive: true }), accessor: f.string() }

async function answer(
  services: CapabilitiesServices,
  entry: TokenEntry | undefined,
  data: Record<string, unknown>,
): Promise<LogicalResponse> {
  const raw = data['paths'] ?? data['path']
  if (raw === undefined) throw new InvalidRequestError('missing required field "paths"')
  const paths = parseStringList(raw, 'paths')
  if (paths.length === 0) throw new InvalidRequestError('missing required field "paths"')
  // What the token may do includes what its entity and groups add; a disabled entity's token may do nothing.
  const effective = entry ? await effectivePolicies(services.identity, entry) : undefined
  const acl = effective ? await services.policies.acl(effective.names, effective.identity) : undefined
  const out: Record<string, unknown> = {}
  for (const path of paths) out[path] = acl ? acl.capabilities(path.replace(/^\/+/, '')) : ['deny']
  // Older clients read the single-path answer from "capabilities".
  if (paths.length === 1) out['capabilities'] = out[paths[0]!]
  return { data: out }
}

export function capabilitiesPaths(services: CapabilitiesServices) {
  return [
    definePath({
      pattern: 'capabilities-self',
      fields,
      operations: {
        update: (ctx) => answer(services, authOf(ctx.request)?.entry, ctx.request.data),
      },
    }),
    definePath({
      pattern: 'capabilities',
      fields,
      operations: {
        update: async (ctx) => {
          if (!ctx.input.token) throw new InvalidRequestError('missing required field "token"')
          return answer(services, await services.tokens.lookup(ctx.input.token), ctx.request.data)
        },
      },
    }),
    definePath({
      pattern: 'capabilities-accessor',
      fields,
      operations: {
        update: async (ctx) => {
          if (!ctx.input.accessor) throw new InvalidRequestError('missing required field "accessor"')
          const entry = await services.tokens.lookupByAccessor(ctx.input.accessor)
          if (!entry) throw new InvalidRequestError('invalid accessor')
          return answer(services, entry, ctx.request.data)
        },
      },
    }),
  ]
}
