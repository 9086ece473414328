// cubbyhole/: private storage for each token, readable by nobody else and destroyed with the token.
// Part of core, as in Vault, because its namespace is the caller's token (which engines never see).
import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { defineBackend, definePath, type HandlerContext } from '../../../sdk/framework/backend.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import { getJson, putJson } from '../../../sdk/storage.ts'
import { RESPONSE_WRAPPING_POLICY_NAME } from '../../policy/builtin-policies.ts'
import { authOf } from '../logical-request.ts'
import { storedForm } from '../wrapped-response.ts'

/** Vault's warning on a read of cubbyhole/response with a wrapping token (Core.handleRequest adds it). */
export const CUBBYHOLE_RESPONSE_WARNING =
  "Reading from 'cubbyhole/response' is deprecated. Please use sys/wrapping/unwrap to unwrap responses, as it provides additional security checks and other benefits."

/** Whether this read is a wrapping token reading its wrapped response, the older way to unwrap. */
function readsWrappedResponse(ctx: HandlerContext): boolean {
  const auth = authOf(ctx.request)
  return (
    ctx.params['path'] === 'response' && auth?.entry.policies.includes(RESPONSE_WRAPPING_POLICY_NAME) === true
  )
}

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
          if (data === undefined) return undefined
          if (readsWrappedResponse(ctx)) {
            // Vault's shape: {"response": "<the wrapped HTTP response as a JSON string>"}, however it was stored.
            const stored = storedForm(data)
            return stored ? { data: { ...stored }, warnings: [CUBBYHOLE_RESPONSE_WARNING] } : undefined
          }
          return { data }
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
