// Minting an identity token for the caller's entity, and Vault's introspection of one.
import { createPublicKey } from 'node:crypto'
import { compactVerify, decodeProtectedHeader } from 'jose'
import { InvalidRequestError } from '../../../../sdk/errors.ts'
import type { Storage } from '../../../../sdk/storage.ts'
import { templateClaims } from './claims-template.ts'
import type { IdentityTokens } from './identity-tokens.ts'
import { readNamedKey, readRole } from './oidc-records.ts'
import { allowsClient, signClaims } from './signing-keys.ts'

export interface IssuedToken {
  token: string
  clientId: string
  /** The role's ttl, as Vault reports it even when the key's verification_ttl shortened the token. */
  ttl: number
  warnings: string[]
}

/** go-jose's default leeway for exp, nbf and iat, which Vault's introspection uses. */
const LEEWAY_SECONDS = 60

export async function issueToken(
  tokens: IdentityTokens,
  storage: Storage,
  roleName: string,
  entityId: string,
): Promise<IssuedToken> {
  const role = await readRole(storage, roleName)
  if (!role) throw new InvalidRequestError(`role "${roleName}" not found`)
  const now = tokens.now()
  const key = await readNamedKey(storage, role.key, now)
  if (!key) throw new InvalidRequestError(`key "${role.key}" not found`)
  // The key's allowed_client_ids are checked now, not when the role is written, so a key edit takes effect.
  if (!allowsClient(key, role.clientId))
    throw new InvalidRequestError(
      `the key "${role.key}" does not list the client ID of the role "${roleName}" as an allowed client ID`,
    )
  if (entityId === '') throw new InvalidRequestError("no entity associated with the request's token")
  const resolved = await tokens.identity.resolve(entityId)
  if (!resolved) throw new InvalidRequestError(`error loading entity ID "${entityId}"`)
  const warnings: string[] = []
  let ttl = role.ttl
  if (ttl > key.verificationTtl) {
    ttl = key.verificationTtl
    warnings.push(
      `a role's token ttl cannot be longer than the verification_ttl of the key it references, setting token ttl to ${ttl}`,
    )
  }
  const iat = Math.floor(now / 1000)
  const { claims: extra, problem } = templateClaims(role.template, resolved.template, now)
  // As in Vault, a template that cannot be filled for this entity is logged, never shown to the requester.
  if (problem) tokens.log('warn', 'error populating identity token template', { role: roleName, problem })
  const claims = {
    ...extra,
    iss: await tokens.issuer(storage),
    namespace: 'root',
    sub: resolved.template.entity.id,
    aud: role.clientId,
    exp: iat + ttl,
    iat,
  }
  return { token: await signClaims(key, claims), clientId: role.clientId, ttl: role.ttl, warnings }
}

/** Vault's answer to identity/oidc/introspect: active, or inactive with the reason. */
export type Introspection = { active: true } | { active: false; error: string }

function inactive(error: string): Introspection {
  return { active: false, error }
}

function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud]
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : []
}

/** Vault's checks, in its order and with go-jose's messages (the typo in the iat one included). */
function claimsProblem(claims: Record<string, unknown>, issuer: string, clientId: string, nowS: number) {
  const prefix = 'go-jose/go-jose/jwt: '
  if (claims['iss'] !== issuer) return `${prefix}validation failed, invalid issuer claim (iss)`
  if (clientId !== '' && !audiences(claims['aud']).includes(clientId))
    return `${prefix}validation failed, invalid audience claim (aud)`
  const time = (name: string) => (typeof claims[name] === 'number' ? (claims[name] as number) : undefined)
  const nbf = time('nbf')
  if (nbf !== undefined && nowS + LEEWAY_SECONDS < nbf)
    return `${prefix}validation failed, token not valid yet (nbf)`
  const exp = time('exp')
  if (exp !== undefined && nowS - LEEWAY_SECONDS > exp)
    return `${prefix}validation failed, token is expired (exp)`
  const iat = time('iat')
  if (iat !== undefined && nowS + LEEWAY_SECONDS < iat)
    return `${prefix}validation field, token issued in the future (iat)`
  return undefined
}

/** Checks the signature against the published keys, the claims, and that the entity still exists and is enabled. */
export async function introspect(
  tokens: IdentityTokens,
  storage: Storage,
  token: string,
  clientId: string,
): Promise<Introspection> {
  try {
    if (token.split('.').length !== 3) throw new Error('compact JWS format must have three parts')
    decodeProtectedHeader(token)
  } catch (error) {
    return inactive(`error parsing token: ${(error as Error).message}`)
  }
  let payload: Uint8Array | undefined
  for (const jwk of await tokens.publicKeys(storage)) {
    try {
      payload = (
        await compactVerify(token, createPublicKey({ key: jwk, format: 'jwk' }), { algorithms: [jwk.alg] })
      ).payload
      break
    } catch {}
  }
  let claims: unknown
  try {
    claims = payload && JSON.parse(new TextDecoder().decode(payload))
  } catch {}
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims))
    return inactive('unable to validate the token signature')
  const record = claims as Record<string, unknown>
  const issuer = await tokens.issuer(storage)
  const problem = claimsProblem(record, issuer, clientId, Math.floor(tokens.now() / 1000))
  if (problem) return inactive(`error validating claims: ${problem}`)
  const entity = typeof record['sub'] === 'string' ? await tokens.identity.entity(record['sub']) : undefined
  if (!entity) return inactive('entity was not found')
  if (entity.disabled) return inactive('entity is disabled')
  return { active: true }
}
