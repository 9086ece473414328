// Per-mount memory of the jwt backend: the config and its key source (JWKS cache), and pending OIDC logins.
import { KeyLocks } from '../../../lib/key-locks.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { type JwtConfig, loadJwtConfig } from './jwt-config.ts'
import { KeySource } from './key-source.ts'
import { OidcStates } from './oidc-states.ts'

export class JwtState {
  readonly oidc: OidcStates
  /** Serialises writes to one role, so a write that read the role cannot put it back after a delete returned. */
  readonly locks = new KeyLocks()
  readonly #now: () => number
  #loaded: { config: JwtConfig | undefined; source: KeySource | undefined } | undefined
  /** Bumped by every config write: a read that a write overlapped serves its own login but is not kept. */
  #generation = 0

  constructor(now: () => number) {
    this.#now = now
    this.oidc = new OidcStates(now)
  }

  /** The stored config and a key source for it, read once and kept until the config is written again. */
  async current(storage: Storage): Promise<{ config: JwtConfig | undefined; source: KeySource | undefined }> {
    if (this.#loaded) return this.#loaded
    const generation = this.#generation
    const config = await loadJwtConfig(storage)
    const loaded = { config, source: config ? new KeySource(config, this.#now) : undefined }
    // A read that began before a config write committed can finish after the write's forget(): kept, it would
    // serve the replaced keys to every later login until the next write.
    if (generation === this.#generation) this.#loaded = loaded
    return loaded
  }

  /**
   * The default_role of the config as last read, for a role quota on a login that names no role; read before
   * the login runs, so it cannot wait for storage: the mount reads its config when set up and after each write.
   */
  knownDefaultRole(): string | undefined {
    const role = this.#loaded?.config?.defaultRole
    return role === '' ? undefined : role
  }

  /** After a config write: the next login reads it again and starts a fresh key cache. */
  forget(): void {
    this.#generation++
    this.#loaded = undefined
  }
}
