// Pending OIDC browser logins, kept in memory as Vault does: single use, five minutes, bounded in number.
import { randomBytes } from 'node:crypto'

const STATE_TTL_MS = 5 * 60 * 1000
/** auth_url needs no token, so the pending set is capped; the oldest give way first. */
const MAX_PENDING = 10_000

export interface PendingLogin {
  role: string
  redirectUri: string
  nonce: string
  codeVerifier: string
  clientNonce: string
  expiresAt: number
}

export class OidcStates {
  readonly #pending = new Map<string, PendingLogin>()
  readonly #now: () => number

  constructor(now: () => number) {
    this.#now = now
  }

  /** Records a login and returns its state id. */
  add(login: Omit<PendingLogin, 'expiresAt'>): string {
    this.#sweep()
    while (this.#pending.size >= MAX_PENDING) this.#pending.delete(this.#pending.keys().next().value!)
    const id = `st_${randomBytes(20).toString('base64url')}`
    this.#pending.set(id, { ...login, expiresAt: this.#now() + STATE_TTL_MS })
    return id
  }

  /**
   * The login for `id`, removed so it can be used once only; undefined when unknown or expired. Synchronous on
   * purpose: lookup and removal with no await between them are the atomic consume that lets exactly one of many
   * concurrent callbacks redeem a state (and with it the nonce); keep it so if the states ever move to storage.
   */
  take(id: string): PendingLogin | undefined {
    const login = this.#pending.get(id)
    if (!login) return undefined
    this.#pending.delete(id)
    return login.expiresAt > this.#now() ? login : undefined
  }

  #sweep(): void {
    const now = this.#now()
    // Insertion order is expiry order (one fixed TTL), so the sweep stops at the first live entry.
    for (const [id, login] of this.#pending) {
      if (login.expiresAt > now) break
      this.#pending.delete(id)
    }
  }
}
