// identity/oidc/config, token/:name, introspect and the unauthenticated .well-known discovery and key set.
import { InvalidRequestError } from '../../../../sdk/errors.ts'
import { definePath } from '../../../../sdk/framework/backend.ts'
import { f } from '../../../../sdk/framework/fields.ts'
import type { LogicalResponse } from '../../../../sdk/request.ts'
import type { IdentityTokens } from './identity-tokens.ts'
import { readConfig, writeConfig } from './oidc-records.ts'
import { checkName } from './paths-keys.ts'
import { ALGORITHMS } from './signing-keys.ts'
import { introspect, issueToken } from './token-issue.ts'

/** Mount-relative paths served without a token, as Vault's identity store declares them. */
export const UNAUTHENTICATED_PATHS = ['oidc/.well-known/*']

const ISSUER_WARNING =
  'If "issuer" is set explicitly, all tokens must be validated against that address, including those issued by secondary clusters. Setting issuer to "" will restore the default behavior of using the cluster\'s api_addr as the issuer.'

/** Vault accepts only scheme://host[:port]: no path, query, user info or trailing slash. */
function validIssuer(issuer: string): boolean {
  if (!/^https?:\/\/[^/?#@\s]+$/.test(issuer)) return false
  try {
    return new URL(issuer).host !== ''
  } catch {
    return false
  }
}

/** The .well-known answers are bare JSON documents, not Vault's envelope. */
function rawJson(value: unknown): LogicalResponse {
  return { raw: { status: 200, contentType: 'application/json', body: JSON.stringify(value) } }
}

export function tokenPaths(tokens: IdentityTokens) {
  return [
    definePath({
      pattern: 'oidc/config',
      fields: {
        issuer: f.string({ description: 'scheme://host[:port] for the iss claim; empty means api_addr.' }),
      },
      help: 'Read or set the issuer of identity tokens.',
      operations: {
        read: async ({ storage }) => ({ data: { issuer: (await readConfig(storage)).issuer } }),
        update: async ({ storage, input }) => {
          if (input.issuer === undefined) return undefined
          if (input.issuer !== '' && !validIssuer(input.issuer))
            throw new InvalidRequestError(
              'invalid issuer, which must include only a scheme, host, and optional port (e.g. https://example.com:8200)',
            )
          await writeConfig(storage, { issuer: input.issuer })
          return input.issuer === '' ? undefined : { warnings: [ISSUER_WARNING] }
        },
      },
    }),
    definePath({
      pattern: 'oidc/token/:name',
      fields: { name: f.string() },
      help: "Generate a signed identity token for the caller's entity against a role.",
      operations: {
        read: async ({ storage, params, request }) => {
          const issued = await issueToken(
            tokens,
            storage,
            checkName(params['name']!),
            request.caller?.entityId ?? '',
          )
          return {
            data: { token: issued.token, client_id: issued.clientId, ttl: issued.ttl },
            ...(issued.warnings.length > 0 ? { warnings: issued.warnings } : {}),
          }
        },
      },
    }),
    definePath({
      pattern: 'oidc/introspect/',
      fields: { token: f.string({ sensitive: true }), client_id: f.string() },
      help: 'Check an identity token: signature, claims, and that its entity exists and is enabled.',
      operations: {
        // Vault answers with a bare {"active": …} document, not its envelope.
        update: async ({ storage, input }) =>
          rawJson(await introspect(tokens, storage, input.token ?? '', input.client_id ?? '')),
      },
    }),
    definePath({
      pattern: 'oidc/.well-known/openid-configuration/',
      help: 'OpenID discovery document for identity tokens.',
      operations: {
        read: async ({ storage }) => {
          const issuer = await tokens.issuer(storage)
          return rawJson({
            issuer,
            jwks_uri: `${issuer}/.well-known/keys`,
            response_types_supported: ['id_token'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ALGORITHMS,
          })
        },
      },
    }),
    definePath({
      pattern: 'oidc/.well-known/keys/',
      help: 'The public keys that verify identity tokens.',
      operations: { read: async ({ storage }) => rawJson({ keys: await tokens.publicKeys(storage) }) },
    }),
  ]
}
