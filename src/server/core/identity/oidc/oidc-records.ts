// Stored shapes of identity-token config, named keys, roles and public keys, and their keys in the identity mount's storage.
import { getJson, putJson, type Storage, type StorageOp } from '../../../../sdk/storage.ts'
import { defaultNamedKey, type Jwk, type NamedKey } from './signing-keys.ts'

/** identity/oidc/config: the issuer's scheme://host[:port]; empty means the server's api_addr. */
export interface OidcConfig {
  issuer: string
}

export interface OidcRole {
  key: string
  /** The claims template, already base64-decoded, as Vault stores it. */
  template: string
  clientId: string
  /** Seconds. */
  ttl: number
}

/** Vault's name for the key that every server has (its settings exist before anyone writes them). */
export const DEFAULT_KEY = 'default'

// The layout mirrors Vault's oidc_tokens/ prefix, so each kind lists on its own.
const PREFIX = 'oidc_tokens/'
export const oidcKeys = {
  config: `${PREFIX}config`,
  namedKeys: `${PREFIX}named_keys/`,
  namedKey: (name: string) => `${PREFIX}named_keys/${name}`,
  publicKeys: `${PREFIX}public_keys/`,
  publicKey: (kid: string) => `${PREFIX}public_keys/${kid}`,
  roles: `${PREFIX}roles/`,
  role: (name: string) => `${PREFIX}roles/${name}`,
}

const encoder = new TextEncoder()

export function putOp(key: string, value: unknown): StorageOp {
  return { op: 'put', key, value: encoder.encode(JSON.stringify(value)) }
}

export async function readConfig(storage: Storage): Promise<OidcConfig> {
  return (await getJson<OidcConfig>(storage, oidcKeys.config)) ?? { issuer: '' }
}

export function writeConfig(storage: Storage, config: OidcConfig): Promise<void> {
  return putJson(storage, oidcKeys.config, config)
}

/**
 * A named key, or undefined. Current Vault writes the `default` key's settings (RS256, 24h, every client
 * allowed, no key material yet) when the identity store starts; here it is read as that until first written.
 */
export async function readNamedKey(
  storage: Storage,
  name: string,
  nowMs: number,
): Promise<NamedKey | undefined> {
  const stored = await getJson<NamedKey>(storage, oidcKeys.namedKey(name))
  if (stored) return stored
  return name === DEFAULT_KEY ? defaultNamedKey(nowMs) : undefined
}

export async function namedKeyNames(storage: Storage): Promise<string[]> {
  const names = await storage.list(oidcKeys.namedKeys)
  return names.includes(DEFAULT_KEY) ? names : [...names, DEFAULT_KEY].sort()
}

export function readRole(storage: Storage, name: string): Promise<OidcRole | undefined> {
  return getJson<OidcRole>(storage, oidcKeys.role(name))
}

export async function roles(storage: Storage): Promise<[string, OidcRole][]> {
  const out: [string, OidcRole][] = []
  for (const name of await storage.list(oidcKeys.roles)) {
    const role = await readRole(storage, name)
    if (role) out.push([name, role])
  }
  return out
}

export function readPublicKey(storage: Storage, kid: string): Promise<Jwk | undefined> {
  return getJson<Jwk>(storage, oidcKeys.publicKey(kid))
}
