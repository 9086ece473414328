// The jwt/oidc mount's configuration as stored, and which of the three key sources it uses.
import { getJson, type Storage } from '../../../sdk/storage.ts'

export const CONFIG_KEY = 'config'

/** Vault's jwt_supported_algs vocabulary; `jose` verifies each of them. */
export const SUPPORTED_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const

export interface JwtConfig {
  oidcDiscoveryUrl: string
  oidcDiscoveryCaPem: string
  oidcClientId: string
  /** Never returned on read. */
  oidcClientSecret: string
  oidcResponseMode: string
  oidcResponseTypes: string[]
  jwksUrl: string
  jwksCaPem: string
  jwtValidationPubkeys: string[]
  boundIssuer: string
  jwtSupportedAlgs: string[]
  defaultRole: string
  namespaceInState: boolean
}

export type KeySourceKind = 'oidc_discovery' | 'jwks' | 'pubkeys'

export function keySourceKind(config: JwtConfig): KeySourceKind {
  if (config.oidcDiscoveryUrl !== '') return 'oidc_discovery'
  if (config.jwksUrl !== '') return 'jwks'
  return 'pubkeys'
}

export function loadJwtConfig(storage: Storage): Promise<JwtConfig | undefined> {
  return getJson<JwtConfig>(storage, CONFIG_KEY)
}

/** What `GET config` answers, as Vault does: every field except the client secret. */
export function configResponse(config: JwtConfig): Record<string, unknown> {
  return {
    oidc_discovery_url: config.oidcDiscoveryUrl,
    oidc_discovery_ca_pem: config.oidcDiscoveryCaPem,
    oidc_client_id: config.oidcClientId,
    oidc_response_mode: config.oidcResponseMode,
    oidc_response_types: config.oidcResponseTypes,
    default_role: config.defaultRole,
    jwt_validation_pubkeys: config.jwtValidationPubkeys,
    jwt_supported_algs: config.jwtSupportedAlgs,
    jwks_url: config.jwksUrl,
    jwks_ca_pem: config.jwksCaPem,
    bound_issuer: config.boundIssuer,
    provider_config: {},
    namespace_in_state: config.namespaceInState,
  }
}
