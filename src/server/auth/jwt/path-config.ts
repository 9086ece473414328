// jwt/oidc config: one key source (discovery URL, JWKS URL or PEM keys), checked by fetching it before it is saved.
import { PublicKeyPemError, parsePublicKeyPem } from '../../../lib/public-key-pem.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { putJson } from '../../../sdk/storage.ts'
import { fetchJwks } from './jwks-cache.ts'
import { CONFIG_KEY, configResponse, type JwtConfig, loadJwtConfig, SUPPORTED_ALGS } from './jwt-config.ts'
import { fetchDiscovery } from './key-source.ts'
import type { JwtState } from './state.ts'

const fields = {
  oidc_discovery_url: f.string({ description: 'OIDC discovery URL, without the .well-known part.' }),
  oidc_discovery_ca_pem: f.string({ description: 'CA certificates (PEM) to trust for the discovery URL.' }),
  oidc_client_id: f.string({ description: 'The OAuth client id for the OIDC login flow.' }),
  oidc_client_secret: f.string({ description: 'The OAuth client secret; never returned.', sensitive: true }),
  oidc_response_mode: f.string({ description: '"query" (default) or "form_post".' }),
  oidc_response_types: f.list({ description: '"code" (default) or "id_token".' }),
  jwks_url: f.string({ description: 'A JWKS URL to fetch signing keys from.' }),
  jwks_ca_pem: f.string({ description: 'CA certificates (PEM) to trust for the JWKS URL.' }),
  jwt_validation_pubkeys: f.list({ description: 'PEM public keys that sign the JWTs.' }),
  bound_issuer: f.string({ description: 'The iss claim every JWT must carry.' }),
  jwt_supported_algs: f.list({
    description: 'Signing algorithms accepted; empty means every supported one.',
  }),
  default_role: f.string({ description: 'The role used when a login names none.' }),
  provider_config: f.map({
    description: 'Provider-specific settings: must name a known provider; otherwise ignored.',
  }),
  namespace_in_state: f.bool({ description: 'Accepted for Vault compatibility.' }),
}

/** The providers Vault knows for provider_config (Coffer fetches nothing from them). */
const KNOWN_PROVIDERS = ['azure', 'gsuite', 'secureauth', 'ibmisam', 'okta']

/** Vault's provider_config check: empty, or naming a provider it knows. */
function checkProviderConfig(providerConfig: Record<string, unknown>): void {
  if (Object.keys(providerConfig).length === 0) return
  const provider = providerConfig['provider']
  if (typeof provider !== 'string')
    throw new InvalidRequestError("invalid provider_config: 'provider' field not found in provider_config")
  if (!KNOWN_PROVIDERS.includes(provider))
    throw new InvalidRequestError(
      `invalid provider_config: provider ${JSON.stringify(provider)} not found in custom providers`,
    )
}

/** Vault rejects a list of PEM keys that is one string with several keys; each entry must be one PEM public key. */
function checkPubkeys(pems: string[]): void {
  for (const pem of pems) {
    try {
      parsePublicKeyPem(pem, { strict: true })
    } catch (error) {
      if (!(error instanceof PublicKeyPemError)) throw error
      throw new InvalidRequestError(`error parsing public key: ${error.message}`)
    }
  }
}

export const configPath = definePath<typeof fields, JwtState>({
  pattern: 'config',
  fields,
  help: 'Where signing keys come from (OIDC discovery, a JWKS URL or PEM keys), and the OIDC client.',
  operations: {
    read: async ({ storage }) => {
      const config = await loadJwtConfig(storage)
      return config ? { data: configResponse(config) } : undefined
    },
    update: async ({ storage, state, input }) => {
      const config: JwtConfig = {
        oidcDiscoveryUrl: input.oidc_discovery_url ?? '',
        oidcDiscoveryCaPem: input.oidc_discovery_ca_pem ?? '',
        oidcClientId: input.oidc_client_id ?? '',
        oidcClientSecret: input.oidc_client_secret ?? '',
        oidcResponseMode: input.oidc_response_mode ?? '',
        oidcResponseTypes: input.oidc_response_types ?? [],
        jwksUrl: input.jwks_url ?? '',
        jwksCaPem: input.jwks_ca_pem ?? '',
        jwtValidationPubkeys: input.jwt_validation_pubkeys ?? [],
        boundIssuer: input.bound_issuer ?? '',
        jwtSupportedAlgs: input.jwt_supported_algs ?? [],
        defaultRole: (input.default_role ?? '').toLowerCase(),
        // As in Vault: a new config defaults to true; a write that leaves it out keeps the stored value.
        namespaceInState:
          input.namespace_in_state ?? (await loadJwtConfig(storage))?.namespaceInState ?? true,
      }
      const sources = [
        config.oidcDiscoveryUrl !== '',
        config.jwksUrl !== '',
        config.jwtValidationPubkeys.length > 0,
      ]
      if (sources.filter(Boolean).length !== 1)
        throw new InvalidRequestError(
          "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set",
        )
      const unknownAlg = config.jwtSupportedAlgs.find(
        (alg) => !(SUPPORTED_ALGS as readonly string[]).includes(alg),
      )
      if (unknownAlg !== undefined)
        throw new InvalidRequestError(
          `invalid jwt_supported_algs: unsupported signing algorithm ${JSON.stringify(unknownAlg)}`,
        )
      if (config.oidcResponseTypes.some((t) => t !== 'code' && t !== 'id_token'))
        throw new InvalidRequestError(
          `invalid response_types [${config.oidcResponseTypes.join(' ')}]. 'code' and 'id_token' are allowed`,
        )
      if (config.oidcResponseMode === '' || config.oidcResponseMode === 'query') {
        // An ID token in a query string would land in browser history and server logs.
        if (config.oidcResponseTypes.includes('id_token'))
          throw new InvalidRequestError('query response_mode may not be used with an id_token response_type')
      } else if (config.oidcResponseMode !== 'form_post')
        throw new InvalidRequestError(`invalid response_mode: ${JSON.stringify(config.oidcResponseMode)}`)
      checkProviderConfig(input.provider_config ?? {})
      // As in Vault, whatever the response type: a client id without its secret (or the reverse) is refused.
      if ((config.oidcClientId === '') !== (config.oidcClientSecret === ''))
        throw new InvalidRequestError("both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC")
      if (config.oidcDiscoveryUrl !== '') {
        if (config.oidcDiscoveryUrl.includes('.well-known/openid-configuration'))
          throw new InvalidRequestError("'oidc_discovery_url' contains '.well-known' component")
        await fetchDiscovery(config.oidcDiscoveryUrl, config.oidcDiscoveryCaPem).catch((error: Error) => {
          throw new InvalidRequestError(`error checking oidc discovery URL: ${error.message}`)
        })
      } else {
        if (config.oidcClientId !== '')
          throw new InvalidRequestError("'oidc_discovery_url' must be set for OIDC")
        if (config.jwksUrl !== '')
          await fetchJwks(config.jwksUrl, config.jwksCaPem).catch((error: Error) => {
            throw new InvalidRequestError(`error checking jwks URL: ${error.message}`)
          })
        else checkPubkeys(config.jwtValidationPubkeys)
      }
      await putJson(storage, CONFIG_KEY, config)
      state.forget()
      // Read back at once: a role quota on default_role applies from the next login on.
      await state.current(storage).catch(() => undefined)
      return undefined
    },
  },
})
