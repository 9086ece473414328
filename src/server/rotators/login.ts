// Logging in with a secret's credentials: a session, or the reason it was refused (never the password).
import type { Credentials, DatabaseDriver, Session } from './database.ts'
import { RotationError, safeReason } from './errors.ts'

export type LoginResult = { ok: true; session: Session } | { ok: false; reason: string }

export async function tryLogin(driver: DatabaseDriver, credentials: Credentials): Promise<LoginResult> {
  try {
    return { ok: true, session: await driver.login(credentials) }
  } catch (error) {
    return { ok: false, reason: safeReason(error, [credentials.password]) }
  }
}

/** Where a login went, for messages: user@host:port. */
export function account(credentials: Credentials): string {
  return `${credentials.username}@${credentials.host}:${credentials.port}`
}

/**
 * Run `work` on a session, closing it afterwards. A failure is reworded as `doing` and the driver's error code
 * only: the statements carry passwords, and a syntax error may quote part of one.
 */
export async function inSession<T>(
  session: Session,
  doing: string,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  try {
    return await work(session)
  } catch (error) {
    if (error instanceof RotationError) throw error
    throw new RotationError(`${doing} failed: ${safeReason(error, [], true)}`)
  } finally {
    await session.close().catch(() => {})
  }
}

/** Whether the credentials log in (the session is closed at once). */
export async function logsIn(driver: DatabaseDriver, credentials: Credentials): Promise<boolean> {
  const result = await tryLogin(driver, credentials)
  if (result.ok) await result.session.close().catch(() => {})
  return result.ok
}

/**
 * Run `work`, which makes `pending` log in. When it fails but `pending` logs in after all, a concurrent invocation
 * of the same step got there first (it changed the password this one logged in with, or created the same clone).
 */
export async function orAlreadyDone(
  driver: DatabaseDriver,
  pending: Credentials,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work()
  } catch (error) {
    if (await logsIn(driver, pending)) return
    throw error
  }
}
