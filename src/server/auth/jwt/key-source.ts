// Verifies a token's signature with the mount's key source: static PEM keys, a JWKS URL, or OIDC discovery.
import { createPublicKey, type KeyObject } from 'node:crypto'
import { compactVerify, decodeProtectedHeader, errors } from 'jose'
import { httpJson } from '../../../lib/http-json.ts'
import type { Claims } from './claims.ts'
import { JwksCache } from './jwks-cache.ts'
import { type JwtConfig, keySourceKind, SUPPORTED_ALGS } from './jwt-config.ts'

export interface DiscoveryDocument {
  issuer: string
  authorization_endpoint: string
  token_endpoint: string
  jwks_uri: string
  id_token_signing_alg_values_supported?: string[]
}

/** A token refused for its signature or form (400 with this message). */
export class SignatureError extends Error {}

/** Vault's words (cap's jwt.Validate) for a signature no key verifies, and for an algorithm not allowed. */
const SIGNATURE = 'error validating token: error verifying token signature'
const ALG_MESSAGE =
  'error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm'

const DISCOVERY_MAX_AGE_MS = 60 * 60 * 1000

/**
 * Header forms Vault's JOSE library refuses, refused here too before any key is tried: a kid that is not a string
 * (no key set can be matched against it), and an unencoded payload (RFC 7797 b64: false), which a JWT never uses:
 * its claims would be read from bytes no other verifier of the same token reads the same way.
 */
function checkHeader(header: Record<string, unknown>): void {
  if (header['kid'] !== undefined && typeof header['kid'] !== 'string')
    throw new SignatureError('error parsing token: the "kid" header must be a string')
  if (header['b64'] !== undefined && header['b64'] !== true)
    throw new SignatureError('error parsing token: unencoded payloads ("b64": false) are not supported')
}

export class KeySource {
  readonly #config: JwtConfig
  readonly #now: () => number
  readonly #pubkeys: KeyObject[]
  #jwks: JwksCache | undefined
  #discovery: { doc: DiscoveryDocument; at: number } | undefined

  constructor(config: JwtConfig, now: () => number) {
    this.#config = config
    this.#now = now
    this.#pubkeys = config.jwtValidationPubkeys.map((pem) => createPublicKey(pem))
    if (config.jwksUrl !== '') this.#jwks = new JwksCache(config.jwksUrl, config.jwksCaPem, now)
  }

  /** The provider's discovery document (OIDC discovery only), cached for an hour. */
  async discovery(): Promise<DiscoveryDocument> {
    const cached = this.#discovery
    if (cached && this.#now() - cached.at < DISCOVERY_MAX_AGE_MS) return cached.doc
    const doc = await fetchDiscovery(this.#config.oidcDiscoveryUrl, this.#config.oidcDiscoveryCaPem)
    this.#discovery = { doc, at: this.#now() }
    this.#jwks ??= new JwksCache(doc.jwks_uri, this.#config.oidcDiscoveryCaPem, this.#now)
    return doc
  }

  /** The algorithms a token may use: the configured list, else all for keys/JWKS and the provider's for OIDC. */
  async algorithms(): Promise<string[]> {
    if (this.#config.jwtSupportedAlgs.length > 0) return this.#config.jwtSupportedAlgs
    if (keySourceKind(this.#config) !== 'oidc_discovery') return [...SUPPORTED_ALGS]
    const offered = (await this.discovery()).id_token_signing_alg_values_supported ?? []
    const usable = offered.filter((alg) => (SUPPORTED_ALGS as readonly string[]).includes(alg))
    return usable.length > 0 ? usable : ['RS256']
  }

  /** The verified payload as claims; throws SignatureError with a message fit for the caller. */
  async verify(token: string): Promise<Claims> {
    let header: Record<string, unknown>
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>
    } catch {
      throw new SignatureError('error parsing token: the token is not a compact JWS')
    }
    checkHeader(header)
    const algorithms = await this.algorithms()
    const kind = keySourceKind(this.#config)
    const payload =
      kind === 'pubkeys'
        ? await this.#verifyStatic(token, algorithms)
        : await this.#verifyJwks(token, algorithms)
    let claims: unknown
    try {
      claims = JSON.parse(new TextDecoder().decode(payload))
    } catch {
      throw new SignatureError('unable to successfully parse all claims from token')
    }
    if (claims === null || typeof claims !== 'object' || Array.isArray(claims))
      throw new SignatureError('unable to successfully parse all claims from token')
    return claims as Claims
  }

  async #verifyStatic(token: string, algorithms: string[]): Promise<Uint8Array> {
    for (const key of this.#pubkeys) {
      try {
        return (await compactVerify(token, key, { algorithms })).payload
      } catch (error) {
        if (error instanceof errors.JOSEAlgNotAllowed) throw new SignatureError(ALG_MESSAGE)
      }
    }
    throw new SignatureError(`${SIGNATURE}: no known key successfully validated the token signature`)
  }

  async #verifyJwks(token: string, algorithms: string[]): Promise<Uint8Array> {
    let jwks: JwksCache
    let keys: Awaited<ReturnType<JwksCache['keys']>>
    try {
      if (keySourceKind(this.#config) === 'oidc_discovery') await this.discovery()
      jwks = this.#jwks!
      keys = await jwks.keys()
    } catch (error) {
      throw new SignatureError(`${SIGNATURE}: fetching keys: ${(error as Error).message}`)
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return (await compactVerify(token, keys, { algorithms })).payload
      } catch (error) {
        // Several keys fit (no kid, or one kid on several keys): as go-oidc does in Vault, try each of them.
        if (error instanceof errors.JWKSMultipleMatchingKeys) {
          const payload = await verifyWithAny(token, error, algorithms)
          if (payload) return payload
          throw new SignatureError(`${SIGNATURE}: failed to verify id token signature`)
        }
        if (error instanceof errors.JOSEAlgNotAllowed) throw new SignatureError(ALG_MESSAGE)
        if (error instanceof errors.JWKSNoMatchingKey && attempt === 0) {
          // A rotated key: the provider may have published it since we fetched.
          const fresh = await jwks.refreshForUnknownKid().catch(() => undefined)
          if (fresh) {
            keys = fresh
            continue
          }
        }
        // As go-oidc: no key for the kid, or none that verifies, is the same failure.
        throw new SignatureError(`${SIGNATURE}: failed to verify id token signature`)
      }
    }
  }
}

/** The payload verified by the first of the candidate keys that verifies it; undefined when none does. */
async function verifyWithAny(
  token: string,
  candidates: errors.JWKSMultipleMatchingKeys,
  algorithms: string[],
): Promise<Uint8Array | undefined> {
  for await (const candidate of candidates) {
    try {
      return (await compactVerify(token, candidate, { algorithms })).payload
    } catch {
      // Not this key: the next one may be.
    }
  }
  return undefined
}

export async function fetchDiscovery(url: string, ca: string): Promise<DiscoveryDocument> {
  const base = url.replace(/\/+$/, '')
  const doc = await httpJson({ url: `${base}/.well-known/openid-configuration`, ...(ca ? { ca } : {}) })
  for (const field of ['issuer', 'jwks_uri'] as const)
    if (typeof doc[field] !== 'string' || doc[field] === '')
      throw new Error(`the discovery document has no "${field}"`)
  // As go-oidc: verifying JWTs needs only the issuer and keys, so a provider without the browser flow's
  // endpoints (Vault's and Coffer's own identity-token issuer) is accepted; the OIDC login checks for them.
  for (const field of ['authorization_endpoint', 'token_endpoint'] as const)
    if (typeof doc[field] !== 'string') doc[field] = ''
  // As Vault (cap) does: the document must name exactly the URL configured as its issuer, trailing slash included, since
  // that is the issuer every token's iss is then held to.
  if (doc['issuer'] !== url)
    throw new Error(`issuer did not match the returned issuer, expected "${url}" got "${doc['issuer']}"`)
  return doc as unknown as DiscoveryDocument
}
