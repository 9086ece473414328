// Identity tokens' keys and roles: writes under one lock, the published key set, and scheduled rotation and expiry.
import { KeyLocks } from '../../../../lib/key-locks.ts'
import { randomAlphanumeric } from '../../../../lib/random.ts'
import { InvalidRequestError } from '../../../../sdk/errors.ts'
import { getJson, type Storage, type StorageOp } from '../../../../sdk/storage.ts'
import type { IdentityStore } from '../identity-store.ts'
import { decodeTemplate, templateProblem } from './claims-template.ts'
import {
  DEFAULT_KEY,
  type OidcRole,
  oidcKeys,
  putOp,
  readConfig,
  readNamedKey,
  readPublicKey,
  readRole,
  roles,
} from './oidc-records.ts'
import {
  type Algorithm,
  expireKeyRing,
  generateKeyMaterial,
  isAlgorithm,
  type Jwk,
  type KeyChanges,
  type NamedKey,
  rotateKey,
} from './signing-keys.ts'

export interface IdentityTokensOptions {
  identity: IdentityStore
  /** The server's api_addr (or its first listener's address): the issuer when none is configured. */
  apiAddr: () => string
  now: () => number
  log: (level: 'warn' | 'error', message: string, context?: Record<string, unknown>) => void
}

export interface KeyInput {
  rotationPeriod?: number | undefined
  verificationTtl?: number | undefined
  algorithm?: string | undefined
  allowedClientIds?: string[] | undefined
}

export interface RoleInput {
  key?: string | undefined
  template?: string | undefined
  ttl?: number | undefined
  clientId?: string | undefined
}

const DAY = 86_400
/** Vault checks again at least daily even when nothing is due. */
const MAX_SWEEP_GAP_MS = DAY * 1000

function publishOps(changes: KeyChanges): StorageOp[] {
  return changes.publish.map((jwk) => putOp(oidcKeys.publicKey(jwk.kid), jwk))
}

export class IdentityTokens {
  readonly identity: IdentityStore
  readonly #opts: IdentityTokensOptions
  readonly #locks = new KeyLocks()
  /** When the periodic sweep next has something to do (ms); 0 after any write, so it looks again. */
  #nextSweep = 0

  constructor(opts: IdentityTokensOptions) {
    this.identity = opts.identity
    this.#opts = opts
  }

  now(): number {
    return this.#opts.now()
  }

  log(level: 'warn' | 'error', message: string, context?: Record<string, unknown>): void {
    this.#opts.log(level, message, context)
  }

  /** Every key and role write, rotation and sweep runs alone, as under Vault's oidcLock. */
  #write<T>(fn: () => Promise<T>): Promise<T> {
    return this.#locks.run('oidc', async () => {
      try {
        return await fn()
      } finally {
        this.#nextSweep = 0
      }
    })
  }

  /** The `iss` of every token: the configured issuer or the api_addr, then Vault's /v1/identity/oidc path. */
  async issuer(storage: Storage): Promise<string> {
    const config = await readConfig(storage)
    return `${config.issuer || this.#opts.apiAddr()}/v1/identity/oidc`
  }

  // ---- named keys ----

  writeKey(storage: Storage, name: string, input: KeyInput, create: boolean): Promise<void> {
    return this.#write(async () => {
      const now = this.now()
      const stored = create ? undefined : await readNamedKey(storage, name, now)
      const key: NamedKey = stored ?? {
        algorithm: undefined as unknown as Algorithm,
        rotationPeriod: 0,
        verificationTtl: 0,
        allowedClientIds: [],
        keyRing: [],
        nextRotation: 0,
      }
      // Fields left out keep their value on update and take Vault's defaults on create.
      key.rotationPeriod = input.rotationPeriod ?? (create ? DAY : key.rotationPeriod)
      if (key.rotationPeriod < 60)
        throw new InvalidRequestError('rotation_period must be at least one minute')
      key.verificationTtl = input.verificationTtl ?? (create ? DAY : key.verificationTtl)
      if (key.verificationTtl > 10 * key.rotationPeriod)
        throw new InvalidRequestError('verification_ttl cannot be longer than 10x rotation_period')
      if (!create) {
        for (const [, role] of await roles(storage))
          if (role.key === name && role.ttl > key.verificationTtl)
            throw new InvalidRequestError(
              `unable to update key "${name}" because it is currently referenced by one or more roles with a token ttl greater than ${key.verificationTtl} seconds`,
            )
      }
      key.allowedClientIds = input.allowedClientIds ?? (create ? [] : key.allowedClientIds)
      const previous = key.algorithm as string | undefined
      const algorithm = input.algorithm ?? (create ? 'RS256' : (previous ?? ''))
      if (!isAlgorithm(algorithm)) throw new InvalidRequestError(`unknown signing algorithm "${algorithm}"`)
      key.algorithm = algorithm
      const nextRotation = now + key.rotationPeriod * 1000
      if (key.nextRotation === 0 || nextRotation < key.nextRotation) key.nextRotation = nextRotation
      const ops: StorageOp[] = []
      // A new key, or a new algorithm, gets fresh key pairs; the default key's stay absent until a role uses it.
      if (algorithm !== previous) ops.push(...publishOps(await generateKeyMaterial(key, now)))
      ops.push(putOp(oidcKeys.namedKey(name), key))
      await storage.batch(ops)
    })
  }

  async keyExists(storage: Storage, name: string): Promise<boolean> {
    return (await readNamedKey(storage, name, this.now())) !== undefined
  }

  deleteKey(storage: Storage, name: string): Promise<void> {
    if (name === DEFAULT_KEY) throw new InvalidRequestError(`deletion of key "${DEFAULT_KEY}" not allowed`)
    return this.#write(async () => {
      const using = (await roles(storage))
        .filter(([, role]) => role.key === name)
        .map(([roleName]) => roleName)
      if (using.length > 0)
        throw new InvalidRequestError(
          `unable to delete key "${name}" because it is currently referenced by these roles: ${using.join(', ')}`,
        )
      await storage.delete(oidcKeys.namedKey(name))
      await this.#dropUnusedPublicKeys(storage)
    })
  }

  rotate(storage: Storage, name: string, verificationTtl: number | undefined): Promise<void> {
    return this.#write(async () => {
      const now = this.now()
      const key = await readNamedKey(storage, name, now)
      if (!key) throw new InvalidRequestError(`no named key found at "${name}"`)
      const changes = await rotateKey(key, now, verificationTtl)
      await storage.batch([...publishOps(changes), putOp(oidcKeys.namedKey(name), key)])
    })
  }

  // ---- roles ----

  writeRole(storage: Storage, name: string, input: RoleInput, create: boolean): Promise<void> {
    return this.#write(async () => {
      const stored = create ? undefined : await readRole(storage, name)
      const role: OidcRole = stored ?? { key: '', template: '', clientId: '', ttl: 0 }
      role.key = input.key ?? role.key
      if (role.key === '') throw new InvalidRequestError('the key parameter is required')
      if (input.template !== undefined) role.template = decodeTemplate(input.template)
      const problem = templateProblem(role.template)
      if (problem) throw new InvalidRequestError(problem)
      role.ttl = input.ttl ?? (create ? DAY : role.ttl)
      const now = this.now()
      const key = await readNamedKey(storage, role.key, now)
      if (!key) throw new InvalidRequestError(`cannot find key "${role.key}"`)
      if (role.ttl > key.verificationTtl)
        throw new InvalidRequestError(
          "a role's token ttl cannot be longer than the verification_ttl of the key it references",
        )
      if (input.clientId !== undefined) role.clientId = input.clientId
      // Vault's client IDs are 26 random base62 characters.
      if (role.clientId === '') role.clientId = randomAlphanumeric(26)
      const ops: StorageOp[] = []
      // The default key gets its key pairs when a role first uses it (Vault's lazyGenerateDefaultKey).
      if (role.key === DEFAULT_KEY && !key.signingKey) {
        ops.push(...publishOps(await generateKeyMaterial(key, now)))
        ops.push(putOp(oidcKeys.namedKey(DEFAULT_KEY), key))
      }
      ops.push(putOp(oidcKeys.role(name), role))
      await storage.batch(ops)
    })
  }

  deleteRole(storage: Storage, name: string): Promise<void> {
    return this.#write(() => storage.delete(oidcKeys.role(name)))
  }

  // ---- publishing ----

  /**
   * The public keys a verifier may see: those of keys some role uses (and the default key, which Vault's mounts
   * all name), each signing, next or rotated key until its verification window ends.
   */
  async publicKeys(storage: Storage): Promise<Jwk[]> {
    const now = this.now()
    const names = new Set([DEFAULT_KEY, ...(await roles(storage)).map(([, role]) => role.key)])
    const out: Jwk[] = []
    for (const name of [...names].sort()) {
      const key = await getJson<NamedKey>(storage, oidcKeys.namedKey(name))
      for (const entry of key?.keyRing ?? []) {
        if (entry.expireAt !== 0 && entry.expireAt < now) continue
        const jwk = await readPublicKey(storage, entry.keyId)
        if (jwk) out.push(jwk)
      }
    }
    return out
  }

  /**
   * The periodic hook: rotate keys whose rotation is due and forget public keys past their verification
   * window. Cheap between due times; a failure is logged and retried on the next run.
   */
  async sweep(storage: Storage): Promise<void> {
    const now = this.now()
    if (now < this.#nextSweep) return
    // Not #write: the next due time is set under the lock, so a write queued behind the sweep resets it after.
    await this.#locks.run('oidc', async () => {
      let next = now + MAX_SWEEP_GAP_MS
      for (const name of await storage.list(oidcKeys.namedKeys)) {
        const key = await getJson<NamedKey>(storage, oidcKeys.namedKey(name))
        if (!key) continue
        const ops: StorageOp[] = []
        if (now > key.nextRotation) ops.push(...publishOps(await rotateKey(key, now)))
        if (expireKeyRing(key, now) || ops.length > 0) ops.push(putOp(oidcKeys.namedKey(name), key))
        if (ops.length > 0) await storage.batch(ops)
        next = Math.min(next, key.nextRotation + 1)
        for (const entry of key.keyRing) if (entry.expireAt !== 0) next = Math.min(next, entry.expireAt + 1)
      }
      await this.#dropUnusedPublicKeys(storage)
      this.#nextSweep = next
    })
  }

  /** Public keys no key ring holds any more (rotated out and expired, or of a deleted key). */
  async #dropUnusedPublicKeys(storage: Storage): Promise<void> {
    const held = new Set<string>()
    for (const name of await storage.list(oidcKeys.namedKeys)) {
      const key = await getJson<NamedKey>(storage, oidcKeys.namedKey(name))
      for (const entry of key?.keyRing ?? []) held.add(entry.keyId)
    }
    const stale = (await storage.list(oidcKeys.publicKeys)).filter((kid) => !held.has(kid))
    if (stale.length > 0)
      await storage.batch(stale.map((kid) => ({ op: 'delete', key: oidcKeys.publicKey(kid) })))
  }
}
