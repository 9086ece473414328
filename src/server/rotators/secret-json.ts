// A database secret's JSON (engine, host, port, username, password, dbname, masterarn), read and checked as the AWS templates expect it.
import type { SecretsManagerApi } from '../../sdk/rotation.ts'
import type { Credentials, DatabaseDriver } from './database.ts'
import { awsErrorName, RotationError } from './errors.ts'

export interface DatabaseSecret extends Credentials {
  /** Every key of the JSON object, kept so a new version carries what the rotator does not know about. */
  fields: Record<string, unknown>
  masterarn?: string
  excludeCharacters?: string
}

/** Which version of which secret, for messages ("the AWSCURRENT value of secret app/db"). */
export function describeVersion(secretId: string, stage: string): string {
  return `the ${stage} value of secret ${secretId}`
}

/** Parse and check a secret value; `what` names it in errors, which never quote a field's value. */
export function parseSecret(text: unknown, driver: DatabaseDriver, what: string): DatabaseSecret {
  if (typeof text !== 'string') throw new RotationError(`${what} has no SecretString`)
  let fields: unknown
  try {
    fields = JSON.parse(text)
  } catch {
    throw new RotationError(`${what} is not JSON`)
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
    throw new RotationError(`${what} is not a JSON object`)
  const record = fields as Record<string, unknown>
  const engine = record['engine']
  if (typeof engine !== 'string' || !driver.engines.includes(engine))
    throw new RotationError(
      `${what} must have "engine" set to ${driver.engines.map((e) => `"${e}"`).join(' or ')} for the ${driver.label} rotator`,
    )
  for (const key of ['host', 'username', 'password'])
    if (typeof record[key] !== 'string' || (key !== 'password' && record[key] === ''))
      throw new RotationError(`${what} has no "${key}" string`)
  const port = record['port'] === undefined ? driver.defaultPort : Number(record['port'])
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new RotationError(`${what} has a "port" that is not a number within 1-65535`)
  for (const key of ['dbname', 'masterarn', 'excludeCharacters'])
    if (record[key] !== undefined && typeof record[key] !== 'string')
      throw new RotationError(`${what} has a "${key}" that is not a string`)
  return {
    fields: record,
    host: record['host'] as string,
    port,
    username: record['username'] as string,
    password: record['password'] as string,
    ...(typeof record['dbname'] === 'string' ? { dbname: record['dbname'] } : {}),
    ...(typeof record['masterarn'] === 'string' ? { masterarn: record['masterarn'] } : {}),
    ...(typeof record['excludeCharacters'] === 'string'
      ? { excludeCharacters: record['excludeCharacters'] }
      : {}),
  }
}

/** A Secrets Manager call that failed, reworded with what was being done (the AWS error name kept as `cause`). */
export function smFailure(doing: string, error: unknown): RotationError {
  const message = error instanceof Error ? error.message : String(error)
  return new RotationError(`${doing} failed: ${awsErrorName(error) ?? 'Error'}: ${message}`, { cause: error })
}

/**
 * The secret's value at `stage` (and version `versionId` when given), parsed and checked. Resolves undefined when
 * there is no such version and `optional` is set (AWSPREVIOUS before the first rotation).
 */
export async function readSecret(
  sm: SecretsManagerApi,
  driver: DatabaseDriver,
  secretId: string,
  stage: string,
  options: { versionId?: string; optional?: boolean } = {},
): Promise<DatabaseSecret | undefined> {
  const what = describeVersion(secretId, stage)
  let value: Record<string, unknown>
  try {
    value = await sm.getSecretValue({
      SecretId: secretId,
      VersionStage: stage,
      ...(options.versionId !== undefined ? { VersionId: options.versionId } : {}),
    })
  } catch (error) {
    if (options.optional && awsErrorName(error) === 'ResourceNotFoundException') return undefined
    throw smFailure(`reading ${what}`, error)
  }
  return parseSecret(value['SecretString'], driver, what)
}

/** readSecret for a version that must exist. */
export async function requireSecret(
  sm: SecretsManagerApi,
  driver: DatabaseDriver,
  secretId: string,
  stage: string,
  versionId?: string,
): Promise<DatabaseSecret> {
  return (await readSecret(sm, driver, secretId, stage, versionId !== undefined ? { versionId } : {}))!
}
