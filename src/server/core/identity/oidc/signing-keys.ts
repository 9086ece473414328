// Named signing keys for identity tokens: key pairs, the key ring with its expiry times, rotation and signing.
import { createPrivateKey, generateKeyPair, type JsonWebKey, type KeyObject, randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import { SignJWT } from 'jose'

export const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const
export type Algorithm = (typeof ALGORITHMS)[number]

export function isAlgorithm(value: string): value is Algorithm {
  return (ALGORITHMS as readonly string[]).includes(value)
}

/** One key pair as a JWK; `d` (and the RSA primes) make it private. */
export type Jwk = JsonWebKey & { kid: string; alg: Algorithm; use: 'sig' }

/** A named key as stored behind the barrier; it holds private keys and never leaves the server. */
export interface NamedKey {
  algorithm: Algorithm
  /** Seconds. */
  rotationPeriod: number
  verificationTtl: number
  allowedClientIds: string[]
  /** Every key id still published: the signing key, the next one, and rotated ones until `expireAt` (ms; 0 = no expiry yet). */
  keyRing: { keyId: string; expireAt: number }[]
  /** Absent for Vault's `default` key until something uses it (its key material is made lazily). */
  signingKey?: Jwk
  /** Published before it signs anything, so verifiers holding a cached key set already know it after a rotation. */
  nextSigningKey?: Jwk
  /** When the periodic rotation next replaces the signing key (ms). */
  nextRotation: number
}

const CURVES: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }

const generatePair = promisify(generateKeyPair) as (
  type: string,
  options: Record<string, unknown>,
) => Promise<{ privateKey: KeyObject; publicKey: KeyObject }>

/**
 * A fresh private key pair for `algorithm`, from Node's crypto (RSA keys are 2048 bits, as in Vault); made off
 * the event loop, since an RSA key takes long enough to stall other requests.
 */
export async function generateJwk(algorithm: Algorithm): Promise<Jwk> {
  const pair = algorithm.startsWith('RS')
    ? await generatePair('rsa', { modulusLength: 2048 })
    : algorithm === 'EdDSA'
      ? await generatePair('ed25519', {})
      : await generatePair('ec', { namedCurve: CURVES[algorithm]! })
  const jwk = pair.privateKey.export({ format: 'jwk' })
  return { ...jwk, kid: randomUUID(), alg: algorithm, use: 'sig' }
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

/** The public half of a key, the only part ever published. */
export function publicJwk(jwk: Jwk): Jwk {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(jwk)) if (!PRIVATE_MEMBERS.includes(name)) out[name] = value
  return out as Jwk
}

/** A key's settings with no key material yet: Vault's `default` key as it exists before any role uses it. */
export function defaultNamedKey(nowMs: number): NamedKey {
  return {
    algorithm: 'RS256',
    rotationPeriod: 86_400,
    verificationTtl: 86_400,
    allowedClientIds: ['*'],
    keyRing: [],
    nextRotation: nowMs + 86_400_000,
  }
}

/** What a change to a named key adds to or removes from the published public keys. */
export interface KeyChanges {
  publish: Jwk[]
}

/** Give the key a new signing key and a new next key (a new key, or a change of algorithm). */
export async function generateKeyMaterial(key: NamedKey, nowMs: number): Promise<KeyChanges> {
  // The keys of the old algorithm stay verifiable for verification_ttl, as after a rotation.
  const retired = [key.signingKey?.kid, key.nextSigningKey?.kid].filter((kid) => kid !== undefined)
  for (const entry of key.keyRing)
    if (retired.includes(entry.keyId) && entry.expireAt === 0)
      entry.expireAt = nowMs + key.verificationTtl * 1000
  const signing = await generateJwk(key.algorithm)
  const next = await generateJwk(key.algorithm)
  key.signingKey = signing
  key.nextSigningKey = next
  key.keyRing.push({ keyId: signing.kid, expireAt: 0 }, { keyId: next.kid, expireAt: 0 })
  return { publish: [publicJwk(signing), publicJwk(next)] }
}

/**
 * Vault's rotation: the signing key is retired (verifiable for `verificationTtl` seconds more, the key's own
 * unless overridden), the next key starts signing, and a new next key is made and published.
 */
export async function rotateKey(
  key: NamedKey,
  nowMs: number,
  verificationTtl = key.verificationTtl,
): Promise<KeyChanges> {
  const publish: Jwk[] = []
  if (key.signingKey) {
    const entry = key.keyRing.find((e) => e.keyId === key.signingKey!.kid)
    if (entry) entry.expireAt = nowMs + verificationTtl * 1000
  }
  if (!key.nextSigningKey) {
    key.nextSigningKey = await generateJwk(key.algorithm)
    key.keyRing.push({ keyId: key.nextSigningKey.kid, expireAt: 0 })
    publish.push(publicJwk(key.nextSigningKey))
  }
  key.signingKey = key.nextSigningKey
  const next = await generateJwk(key.algorithm)
  key.nextSigningKey = next
  key.keyRing.push({ keyId: next.kid, expireAt: 0 })
  publish.push(publicJwk(next))
  key.nextRotation = nowMs + key.rotationPeriod * 1000
  return { publish }
}

/** Drop ring entries whose verification window has passed; true when any was dropped. */
export function expireKeyRing(key: NamedKey, nowMs: number): boolean {
  const before = key.keyRing.length
  key.keyRing = key.keyRing.filter((e) => e.expireAt === 0 || e.expireAt >= nowMs)
  return key.keyRing.length !== before
}

/** Whether `clientId` may have tokens signed with this key ("*" allows every role). */
export function allowsClient(key: NamedKey, clientId: string): boolean {
  return key.allowedClientIds.includes('*') || key.allowedClientIds.includes(clientId)
}

/** A compact JWS over `claims` with the key's signing key; the header names the key id, as Vault's does. */
export async function signClaims(key: NamedKey, claims: Record<string, unknown>): Promise<string> {
  const jwk = key.signingKey
  if (!jwk) throw new Error('signing key is nil; rotate the key and try again')
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' })
  return new SignJWT(claims).setProtectedHeader({ alg: jwk.alg, kid: jwk.kid }).sign(privateKey)
}
