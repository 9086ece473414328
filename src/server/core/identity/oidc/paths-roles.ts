// identity/oidc/role: roles name a key, a claims template, a client ID (the tokens' audience) and a token TTL.
import { definePath } from '../../../../sdk/framework/backend.ts'
import { f } from '../../../../sdk/framework/fields.ts'
import { listResponse } from '../../../../sdk/framework/list-response.ts'
import type { IdentityTokens } from './identity-tokens.ts'
import { oidcKeys, readRole } from './oidc-records.ts'
import { checkName } from './paths-keys.ts'

const roleFields = {
  name: f.string(),
  key: f.string({ description: "The named key that signs this role's tokens; it must exist." }),
  template: f.string({ description: 'A JSON claims template, plain or base64.' }),
  client_id: f.string({ description: "The tokens' audience; a random one is made when unset." }),
  ttl: f.duration({ description: 'Lifetime of the tokens (default 24h).' }),
}

export function rolePaths(tokens: IdentityTokens) {
  return [
    definePath({
      pattern: 'oidc/role/:name',
      fields: roleFields,
      help: 'Create, read, update and delete identity token roles.',
      exists: async ({ storage, params }) => (await readRole(storage, params['name']!)) !== undefined,
      operations: {
        create: async ({ storage, params, input }) => {
          await tokens.writeRole(storage, checkName(params['name']!), roleInput(input), true)
          return undefined
        },
        update: async ({ storage, params, input }) => {
          await tokens.writeRole(storage, checkName(params['name']!), roleInput(input), false)
          return undefined
        },
        read: async ({ storage, params }) => {
          const role = await readRole(storage, checkName(params['name']!))
          if (!role) return undefined
          return { data: { client_id: role.clientId, key: role.key, template: role.template, ttl: role.ttl } }
        },
        delete: async ({ storage, params }) => {
          await tokens.deleteRole(storage, checkName(params['name']!))
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'oidc/role/',
      listKeys: 'names',
      help: 'List the identity token roles.',
      operations: { list: async ({ storage }) => listResponse(await storage.list(oidcKeys.roles)) },
    }),
  ]
}

function roleInput(input: {
  key?: string | undefined
  template?: string | undefined
  client_id?: string | undefined
  ttl?: number | undefined
}) {
  return { key: input.key, template: input.template, clientId: input.client_id, ttl: input.ttl }
}
