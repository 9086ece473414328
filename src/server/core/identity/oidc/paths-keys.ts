// identity/oidc/key: the named keys that sign identity tokens (create, read, update, delete, list, rotate).
import { NotFoundError } from '../../../../sdk/errors.ts'
import { definePath } from '../../../../sdk/framework/backend.ts'
import { f } from '../../../../sdk/framework/fields.ts'
import { listResponse } from '../../../../sdk/framework/list-response.ts'
import type { IdentityTokens } from './identity-tokens.ts'
import { namedKeyNames, readNamedKey } from './oidc-records.ts'

/** Vault's GenericNameRegex: word characters, with dots and dashes inside. */
const NAME = /^\w(?:[\w.-]*\w)?$/

/** A name Vault's path regex would not match is an unsupported path there, so it is here. */
export function checkName(name: string): string {
  if (!NAME.test(name)) throw new NotFoundError('unsupported path')
  return name
}

const keyFields = {
  name: f.string(),
  rotation_period: f.duration({ description: 'How often to generate a new keypair (default 24h).' }),
  verification_ttl: f.duration({
    description:
      'How long the public part of a key stays available for verification after rotation (default 24h).',
  }),
  algorithm: f.string({ description: 'RS256 (default), RS384, RS512, ES256, ES384, ES512 or EdDSA.' }),
  allowed_client_ids: f.list({ description: 'Role client IDs allowed to use this key; "*" allows all.' }),
}

export function keyPaths(tokens: IdentityTokens) {
  return [
    definePath({
      pattern: 'oidc/key/:name',
      fields: keyFields,
      help: 'Create, read, update and delete named keys that sign identity tokens.',
      exists: ({ storage, params }) => tokens.keyExists(storage, params['name']!),
      operations: {
        create: async ({ storage, params, input }) => {
          await tokens.writeKey(storage, checkName(params['name']!), keyInput(input), true)
          return undefined
        },
        update: async ({ storage, params, input }) => {
          await tokens.writeKey(storage, checkName(params['name']!), keyInput(input), false)
          return undefined
        },
        read: async ({ storage, params }) => {
          const key = await readNamedKey(storage, checkName(params['name']!), tokens.now())
          if (!key) return undefined
          return {
            data: {
              rotation_period: key.rotationPeriod,
              verification_ttl: key.verificationTtl,
              algorithm: key.algorithm,
              allowed_client_ids: key.allowedClientIds,
            },
          }
        },
        delete: async ({ storage, params }) => {
          await tokens.deleteKey(storage, checkName(params['name']!))
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'oidc/key/:name/rotate',
      fields: { name: f.string(), verification_ttl: f.duration() },
      help: 'Rotate a named key now; verification_ttl overrides how long the retired public key stays published.',
      operations: {
        update: async ({ storage, params, input }) => {
          await tokens.rotate(storage, checkName(params['name']!), input.verification_ttl)
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'oidc/key/',
      listKeys: 'names',
      help: 'List the named keys.',
      operations: { list: async ({ storage }) => listResponse(await namedKeyNames(storage)) },
    }),
  ]
}

function keyInput(input: {
  rotation_period?: number | undefined
  verification_ttl?: number | undefined
  algorithm?: string | undefined
  allowed_client_ids?: string[] | undefined
}) {
  return {
    rotationPeriod: input.rotation_period,
    verificationTtl: input.verification_ttl,
    algorithm: input.algorithm,
    allowedClientIds: input.allowed_client_ids,
  }
}
