// Alternating users: a master user sets the password of `<user>` and `<user>_clone` in turn, so the previous credentials keep working until the next rotation.
import { RotationError } from './errors.ts'
import { account, inSession, logsIn, orAlreadyDone, tryLogin } from './login.ts'
import { CURRENT, PENDING, type StepContext, type Strategy } from './protocol.ts'
import { parseSecret, requireSecret, smFailure } from './secret-json.ts'

export const CLONE_SUFFIX = '_clone'

/** `<user>` and `<user>_clone` take turns. */
export function alternateUsername(username: string): string {
  return username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : username + CLONE_SUFFIX
}

async function setSecret({ sm, driver, secretId, token }: StepContext): Promise<void> {
  const pending = await requireSecret(sm, driver, secretId, PENDING, token)
  if (await logsIn(driver, pending)) return // already set: a repeated step
  const current = await requireSecret(sm, driver, secretId, CURRENT)
  if (
    pending.username !== alternateUsername(current.username) ||
    pending.host !== current.host ||
    pending.port !== current.port
  )
    throw new RotationError(
      `setSecret: the AWSPENDING value of secret ${secretId} must name ${alternateUsername(current.username)} on the server of AWSCURRENT`,
    )
  // As the templates do against a confused deputy: whoever wrote the secret must know the current user's password.
  const currentLogin = await tryLogin(driver, current)
  if (!currentLogin.ok)
    throw new RotationError(
      `setSecret: the AWSCURRENT credentials of secret ${secretId} do not log in as ${account(current)}: ${currentLogin.reason}`,
    )
  await currentLogin.session.close().catch(() => {})

  if (current.masterarn === undefined || current.masterarn === '')
    throw new RotationError(`setSecret: the AWSCURRENT value of secret ${secretId} has no "masterarn"`)
  let masterValue: Record<string, unknown>
  try {
    masterValue = await sm.getSecretValue({ SecretId: current.masterarn })
  } catch (error) {
    throw smFailure(`setSecret: reading the master secret ${current.masterarn}`, error)
  }
  const master = parseSecret(
    masterValue['SecretString'],
    driver,
    `the AWSCURRENT value of master secret ${current.masterarn}`,
  )
  if (master.host !== current.host || master.port !== current.port)
    throw new RotationError(
      `setSecret: master secret ${current.masterarn} is for ${master.host}:${master.port}, not ${current.host}:${current.port}`,
    )
  if (master.username === pending.username || master.username === current.username)
    throw new RotationError(
      `setSecret: secret ${secretId} rotates the master user ${master.username} itself; use a single-user rotation for it`,
    )
  // Roles are server-wide; the master logs in to its own database, or the user's when its secret names none.
  const masterDb = master.dbname ?? current.dbname
  const masterLogin = await tryLogin(driver, {
    ...master,
    ...(masterDb !== undefined ? { dbname: masterDb } : {}),
  })
  if (!masterLogin.ok)
    throw new RotationError(
      `setSecret: the master secret ${current.masterarn} does not log in as ${account(master)}: ${masterLogin.reason}`,
    )
  const masterSession = masterLogin.session
  await orAlreadyDone(driver, pending, () =>
    inSession(
      masterSession,
      `setSecret: setting the password of ${account(pending)} as ${master.username}`,
      (session) =>
        session.exclusively(pending.username, async () => {
          if (await session.userExists(pending.username))
            await session.setPassword(pending.username, pending.password)
          else await session.createClone(current.username, pending.username, pending.password)
        }),
    ),
  )
}

export const alternatingUsers: Strategy = {
  nextUsername: (current) => alternateUsername(current.username),
  setSecret,
}
