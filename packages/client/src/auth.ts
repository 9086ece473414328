// Where the client's token comes from: given, read from a file (so an agent's sink can replace it), or an AppRole login.
import { readFile } from 'node:fs/promises'
import type { Envelope, TokenSource, Transport } from './transport.ts'

export interface AppRoleCredentials {
  roleId: string
  secretId: string
  /** Where the approle method is mounted (default `approle`). */
  mount?: string
}

export type AuthOptions = { token: string } | { tokenFile: string } | { approle: AppRoleCredentials }

/** A token source for the options given; `now` lets tests move time. */
export function tokenSource(transport: Transport, auth: AuthOptions, now: () => number): TokenSource {
  if ('token' in auth) return async () => auth.token
  if ('tokenFile' in auth) {
    // Read on each call: the file is small, and a sink that rewrites it is followed without a restart.
    return async () => (await readFile(auth.tokenFile, 'utf8')).trim()
  }
  return appRoleSource(transport, auth.approle, now)
}

/** Logs in once, again when two thirds of the token's TTL are spent, sharing one login among concurrent calls. */
function appRoleSource(transport: Transport, creds: AppRoleCredentials, now: () => number): TokenSource {
  let token = ''
  let refreshAt = 0
  let pending: Promise<string> | undefined
  const login = async (): Promise<string> => {
    const reply = await transport.request<Envelope<null>>('POST', `auth/${creds.mount ?? 'approle'}/login`, {
      body: { role_id: creds.roleId, secret_id: creds.secretId },
      anonymous: true,
    })
    const auth = reply.auth!
    token = auth.client_token
    // A token without a TTL (0) never needs a new login.
    refreshAt =
      auth.lease_duration > 0 ? now() + (auth.lease_duration * 1000 * 2) / 3 : Number.POSITIVE_INFINITY
    return token
  }
  const source: TokenSource = async () => {
    if (token && now() < refreshAt) return token
    pending ??= login().finally(() => {
      pending = undefined
    })
    return pending
  }
  // The server refused this token (revoked, or its mount disabled): log in again at the next call rather than
  // send a dead token until two thirds of its TTL. A newer login than `stale` is kept.
  source.forget = (stale) => {
    if (token === stale) {
      token = ''
      refreshAt = 0
    }
  }
  return source
}
