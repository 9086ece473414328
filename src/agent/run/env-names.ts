// Turn fetched secrets into environment variables: one field to ENV, or every key to ENV_KEY.
import type { SecretSpec } from './secret-spec.ts'

/** A secret as read: its key/value data and, for dynamic secrets, the lease to revoke when done. */
export interface FetchedSecret {
  spec: SecretSpec
  data: Record<string, unknown>
  /** A Secrets Manager value that is not a JSON object: the whole string goes to ENV. */
  whole?: string
  leaseId?: string
}

export class EnvMappingError extends Error {}

/** `db-password` under prefix `APP` becomes `APP_DB_PASSWORD`: upper case, anything not [A-Z0-9_] becomes `_`. */
export function envNameFor(prefix: string, key: string): string {
  return `${prefix}_${key.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`
}

/** Values as the child sees them: strings as is, anything else as JSON (numbers, booleans, nested objects). */
export function envValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Build the variables; a variable named twice is refused rather than silently overwritten. */
export function mapToEnv(secrets: readonly FetchedSecret[]): Record<string, string> {
  const env: Record<string, string> = {}
  const origin = new Map<string, string>()
  const set = (name: string, value: unknown, spec: SecretSpec) => {
    const earlier = origin.get(name)
    if (earlier !== undefined)
      throw new EnvMappingError(`${name} would be set by both -secret ${earlier} and -secret ${spec.text}`)
    origin.set(name, spec.text)
    env[name] = envValue(value)
  }
  for (const secret of secrets) {
    const { spec, data } = secret
    if (secret.whole !== undefined) {
      if (spec.field !== undefined)
        throw new EnvMappingError(
          `the secret ${spec.path} is not a JSON object, so it has no field ${JSON.stringify(spec.field)}`,
        )
      set(spec.env, secret.whole, spec)
    } else if (spec.field !== undefined) {
      if (!Object.hasOwn(data, spec.field))
        throw new EnvMappingError(`no field ${JSON.stringify(spec.field)} in the secret at ${spec.path}`)
      set(spec.env, data[spec.field], spec)
    } else {
      for (const [key, value] of Object.entries(data)) set(envNameFor(spec.env, key), value, spec)
    }
  }
  return env
}
