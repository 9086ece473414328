// Temporary (session) credentials in the mount's barrier-encrypted storage: the secret kept for SigV4, the session
// token only as its SHA-256, and an expiry after which logins refuse them and the sweep deletes them.
import { randomBytes } from 'node:crypto'
import { constantTimeEqual, sha256Hex } from '../../../lib/hash.ts'
import { getJsonSharedNow, type Storage } from '../../../sdk/storage.ts'
import { newSecretAccessKey, prefixedKeyId } from './key-store.ts'
import type { AwsKeysState } from './state.ts'

export interface SessionEntry {
  role: string
  secret: string
  /** SHA-256 (hex) of the session token: the token itself is 512 random bits and is shown once. */
  tokenSha256: string
  /** ms since the epoch. */
  created: number
  /** ms since the epoch; at and after this instant the credentials are refused. */
  expires: number
  /** RoleSessionName, part of the assumed-role ARN. */
  sessionName: string
  /** Who the credentials were issued to: the web identity token's subject, when the caller named one. */
  subject?: string
  /** The long-term key whose GetSessionToken asked for them: they act as its user and die with it. */
  parentKey?: string
  /** The display name of the Coffer token that asked for them (e.g. `jwt-…`), for the audit trail. */
  issuedTo?: string
}

const SESSION = 'session/'

/** `CSIA` + 16 base32 characters: the temporary sibling of CKIA, as AWS's ASIA is of AKIA. */
export const SESSION_KEY_ID = /^CSIA[A-Z2-7]{16}$/

export const newSessionKeyId = () => prefixedKeyId('CSIA')
export const newSessionSecret = newSecretAccessKey

/** 64 random bytes, base64: about the length of an AWS session token, and opaque like one. */
export function newSessionToken(): string {
  return randomBytes(64).toString('base64')
}

export function sessionTokenMatches(entry: SessionEntry, presented: string | undefined): boolean {
  if (presented === undefined) return false
  return constantTimeEqual(sha256Hex(presented), entry.tokenSha256)
}

export const sessionPath = (id: string) => SESSION + id

/** The stored session credentials, or undefined; without an await when the storage has them in memory. */
export function loadSession(
  storage: Storage,
  id: string,
): SessionEntry | undefined | Promise<SessionEntry | undefined> {
  if (!SESSION_KEY_ID.test(id)) return undefined
  return getJsonSharedNow<SessionEntry>(storage, SESSION + id)
}

export function listSessions(storage: Storage): Promise<string[]> {
  return storage.list(SESSION)
}

export const encodeSession = (entry: SessionEntry) => Buffer.from(JSON.stringify(entry))

/** Deletes every expired session, each under its key's lock (as a revocation is); returns how many went. */
export async function sweepSessions(storage: Storage, state: AwsKeysState, nowMs: number): Promise<number> {
  let removed = 0
  for (const id of await listSessions(storage)) {
    await state.locks.run(`key:${id}`, async () => {
      const entry = await loadSession(storage, id)
      if (entry && entry.expires <= nowMs) {
        await storage.delete(sessionPath(id))
        removed += 1
      }
    })
  }
  return removed
}
