// Single user: the user changes its own password, logging in with the pending, current or previous password (the templates' order).
import { RotationError } from './errors.ts'
import { account, inSession, logsIn, orAlreadyDone, tryLogin } from './login.ts'
import { CURRENT, PENDING, PREVIOUS, type StepContext, type Strategy } from './protocol.ts'
import { type DatabaseSecret, readSecret, requireSecret } from './secret-json.ts'

/** Whether two versions name the same user on the same server (the rotator never changes anyone else's password). */
function sameAccount(a: DatabaseSecret, b: DatabaseSecret): boolean {
  return a.username === b.username && a.host === b.host && a.port === b.port
}

async function setSecret({ sm, driver, secretId, token }: StepContext): Promise<void> {
  const pending = await requireSecret(sm, driver, secretId, PENDING, token)
  const current = await requireSecret(sm, driver, secretId, CURRENT)
  if (!sameAccount(pending, current))
    throw new RotationError(
      `setSecret: the AWSPENDING value of secret ${secretId} names another user or server than AWSCURRENT; a single-user rotation changes only its own user's password`,
    )
  if (await logsIn(driver, pending)) return // already set: a repeated step
  await orAlreadyDone(driver, pending, async () => {
    const reasons: string[] = []
    const previous = await readSecret(sm, driver, secretId, PREVIOUS, { optional: true })
    const candidates: [string, DatabaseSecret | undefined][] = [
      [CURRENT, current],
      [PREVIOUS, previous !== undefined && sameAccount(previous, current) ? previous : undefined],
    ]
    for (const [stage, secret] of candidates) {
      if (secret === undefined) continue
      const login = await tryLogin(driver, secret)
      if (!login.ok) {
        reasons.push(`${stage}: ${login.reason}`)
        continue
      }
      await inSession(login.session, `setSecret: changing the password of ${account(current)}`, (session) =>
        session.changeOwnPassword(current.username, pending.password),
      )
      return
    }
    throw new RotationError(
      `setSecret: could not log in to ${driver.label} as ${account(current)} with the AWSPENDING, AWSCURRENT or AWSPREVIOUS password of secret ${secretId} (${reasons.join('; ')})`,
    )
  })
}

export const singleUser: Strategy = { nextUsername: (current) => current.username, setSecret }
