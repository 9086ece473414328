// cubbyhole/: private storage for each token, readable by nobody else and destroyed with the token.
// Part of core, as in Vault, because its namespace is the caller's token (which engines never see).
import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { defineBackend, definePath, type HandlerContext } from '../../../sdk/framework/backend.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import { getJson, putJson } from '../../../sdk/storage.ts'
import { authOf } from '../logical-request.ts'

/** The storage prefix of one token's cubbyhole: its salted hash, never the token itself. */
export function cubbyholePrefix(tokenHash: string): string {
  return `${tokenHash}/`
}

function keyFor(ctx: HandlerContext): string {
  const auth = authOf(ctx.request)
  if (!auth) throw new PermissionDeniedError()
  // A batch token stores nothing, so it has no cubbyhole (as in Vault).
  if (auth.entry.type === 'batch')
    throw new InvalidRequestError('cubbyhole operations are only supported by service tokens')
  return cubbyholePrefix(auth.entry.idHash) + (ctx.params['path'] ?? '')
}

export const cubbyholeBackend = defineBackend<unknown>({
  kind: 'secret',
  help: 'Per-token private storage: each token sees only its own secrets, which are deleted when it is revoked.',
  paths: [
    definePath({
      pattern: '*path',
      listKeys: 'paths',
      acceptAnyData: true,
      exists: async (ctx) => (await ctx.storage.get(keyFor(ctx))) !== undefined,
      operations: {
        read: async (ctx) => {
          const data = await getJson<Record<string, unknown>>(ctx.storage, keyFor(ctx))
          return data === undefined ? undefined : { data }
        },
        update: async (ctx) => {
          const path = ctx.params['path'] ?? ''
          if (path === '' || path.endsWith('/'))
            throw new InvalidRequestError('missing path: a secret needs a name')
          if (Object.keys(ctx.request.data).length === 0) throw new InvalidRequestError('missing data fields')
          await putJson(ctx.storage, keyFor(ctx), ctx.request.data)
          return undefined
        },
        delete: async (ctx) => {
          await ctx.storage.delete(keyFor(ctx))
          return undefined
        },
        list: async (ctx) => {
          const prefix = keyFor(ctx)
          const keys = await ctx.storage.list(prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`)
          return listResponse(keys)
        },
      },
    }),
  ],
})
