// AWS's four-step rotation protocol around one strategy: the version guard, createSecret, testSecret and finishSecret.
import type { RotationEvent, RotationFunction, SecretsManagerApi } from '../../sdk/rotation.ts'
import type { DatabaseDriver } from './database.ts'
import { awsErrorName, RotationError } from './errors.ts'
import { account, inSession, tryLogin } from './login.ts'
import { type DatabaseSecret, describeVersion, requireSecret, smFailure } from './secret-json.ts'

export const CURRENT = 'AWSCURRENT'
export const PENDING = 'AWSPENDING'
export const PREVIOUS = 'AWSPREVIOUS'

/** The AWS templates' default: characters that break connection strings and shell quoting. */
export const DEFAULT_EXCLUDE_CHARACTERS = '/@"\'\\'

export interface StepContext {
  sm: SecretsManagerApi
  driver: DatabaseDriver
  secretId: string
  token: string
}

/** What differs between single user and alternating users. */
export interface Strategy {
  /** The username of the next version, from the current one. */
  nextUsername(current: DatabaseSecret): string
  /** Make the database accept the pending credentials. */
  setSecret(context: StepContext): Promise<void>
}

const STEPS = new Set(['createSecret', 'setSecret', 'testSecret', 'finishSecret'])

function checkEvent(event: RotationEvent): void {
  if (typeof event !== 'object' || event === null)
    throw new RotationError('the rotation event is not an object')
  if (!STEPS.has(event.Step))
    throw new RotationError(
      `the rotation event's Step must be createSecret, setSecret, testSecret or finishSecret`,
    )
  if (typeof event.SecretId !== 'string' || event.SecretId === '')
    throw new RotationError('the rotation event has no SecretId')
  if (typeof event.ClientRequestToken !== 'string' || event.ClientRequestToken === '')
    throw new RotationError('the rotation event has no ClientRequestToken')
}

/** DescribeSecret's VersionIdsToStages. */
async function versionStages(sm: SecretsManagerApi, secretId: string): Promise<Record<string, string[]>> {
  let described: Record<string, unknown>
  try {
    described = await sm.describeSecret({ SecretId: secretId })
  } catch (error) {
    throw smFailure(`describing secret ${secretId}`, error)
  }
  const map = described['VersionIdsToStages']
  return typeof map === 'object' && map !== null ? (map as Record<string, string[]>) : {}
}

/** Whether this token's version holds a value labelled AWSPENDING. */
async function pendingValueExists({ sm, secretId, token }: StepContext): Promise<boolean> {
  try {
    await sm.getSecretValue({ SecretId: secretId, VersionId: token, VersionStage: PENDING })
    return true
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return false
    throw smFailure(`reading ${describeVersion(secretId, PENDING)}`, error)
  }
}

async function createSecret(context: StepContext, strategy: Strategy): Promise<void> {
  const { sm, driver, secretId, token } = context
  const current = await requireSecret(sm, driver, secretId, CURRENT)
  if (await pendingValueExists(context)) return // a repeated step
  let password: string
  try {
    const generated = await sm.getRandomPassword({
      ExcludeCharacters: current.excludeCharacters ?? DEFAULT_EXCLUDE_CHARACTERS,
    })
    password = generated.RandomPassword
  } catch (error) {
    throw smFailure('generating a password (GetRandomPassword)', error)
  }
  if (typeof password !== 'string' || password === '')
    throw new RotationError('GetRandomPassword returned no password')
  const pending = { ...current.fields, username: strategy.nextUsername(current), password }
  try {
    await sm.putSecretValue({
      SecretId: secretId,
      ClientRequestToken: token,
      SecretString: JSON.stringify(pending),
      VersionStages: [PENDING],
    })
  } catch (error) {
    // A concurrent invocation stored this token's version first (with its own password): the step is done.
    if (awsErrorName(error) === 'ResourceExistsException' && (await pendingValueExists(context))) return
    throw smFailure(`storing ${describeVersion(secretId, PENDING)}`, error)
  }
}

async function testSecret(context: StepContext): Promise<void> {
  const { sm, driver, secretId, token } = context
  const pending = await requireSecret(sm, driver, secretId, PENDING, token)
  const login = await tryLogin(driver, pending)
  if (!login.ok)
    throw new RotationError(
      `testSecret: the AWSPENDING credentials of secret ${secretId} do not log in to ${driver.label} as ${account(pending)}: ${login.reason}`,
    )
  await inSession(login.session, `testSecret: a query as ${account(pending)}`, (s) => s.check())
}

async function finishSecret(context: StepContext, stages: Record<string, string[]>): Promise<void> {
  const { sm, secretId, token } = context
  const current = Object.keys(stages).find((id) => stages[id]!.includes(CURRENT))
  if (current === token) return
  try {
    await sm.updateSecretVersionStage({
      SecretId: secretId,
      VersionStage: CURRENT,
      MoveToVersionId: token,
      ...(current !== undefined ? { RemoveFromVersionId: current } : {}),
    })
  } catch (error) {
    // A concurrent invocation moved it first: the step is done.
    if ((await versionStages(sm, secretId))[token]?.includes(CURRENT)) return
    throw smFailure(`moving AWSCURRENT of secret ${secretId} to version ${token}`, error)
  }
}

/**
 * A rotation function for `driver` and `strategy`. As AWS's templates do, every step first checks that the token
 * is a version of the secret labelled AWSPENDING, and does nothing once it is AWSCURRENT. createSecret also accepts
 * a token that is not a version yet (it creates that version), for a runner that does not stage an empty one first.
 */
export function rotationFunction(driver: DatabaseDriver, strategy: Strategy): RotationFunction {
  return async (event, sm) => {
    checkEvent(event)
    const context: StepContext = { sm, driver, secretId: event.SecretId, token: event.ClientRequestToken }
    const stages = await versionStages(sm, context.secretId)
    const labels = stages[context.token]
    if (labels?.includes(CURRENT)) return
    if (labels === undefined && event.Step !== 'createSecret')
      throw new RotationError(
        `${event.Step}: version ${context.token} of secret ${context.secretId} has no staging label for rotation`,
      )
    if (labels !== undefined && !labels.includes(PENDING))
      throw new RotationError(
        `${event.Step}: version ${context.token} of secret ${context.secretId} is not labelled AWSPENDING`,
      )
    switch (event.Step) {
      case 'createSecret':
        return createSecret(context, strategy)
      case 'setSecret':
        return strategy.setSecret(context)
      case 'testSecret':
        return testSecret(context)
      case 'finishSecret':
        return finishSecret(context, stages)
    }
  }
}
