// Parse `coffer run -secret` arguments: `PATH[#field]=ENV`, with an `sm:`/`aws-sm:` prefix for Secrets Manager.

export type SecretSource = 'vault' | 'secretsmanager'

export interface SecretSpec {
  /** The argument as typed, for error messages (it names paths and variables, never values). */
  text: string
  source: SecretSource
  /** A Vault API path (KV path as users type it, or e.g. database/creds/app), or a Secrets Manager secret name. */
  path: string
  /** One field of the secret; undefined maps every key. */
  field: string | undefined
  /** The variable name, or the prefix of every variable when no field is given. */
  env: string
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const SM_PREFIXES = ['aws-sm:', 'sm:']

export class SecretSpecError extends Error {}

export function parseSecretSpec(text: string): SecretSpec {
  const eq = text.lastIndexOf('=')
  if (eq <= 0 || eq === text.length - 1)
    throw new SecretSpecError(`invalid -secret ${JSON.stringify(text)}: expected PATH[#field]=ENV`)
  const env = text.slice(eq + 1)
  if (!ENV_NAME.test(env))
    throw new SecretSpecError(
      `invalid -secret ${JSON.stringify(text)}: ${JSON.stringify(env)} is not an environment variable name`,
    )
  let location = text.slice(0, eq)
  let source: SecretSource = 'vault'
  const prefix = SM_PREFIXES.find((p) => location.startsWith(p))
  if (prefix) {
    source = 'secretsmanager'
    location = location.slice(prefix.length)
  }
  const hash = location.lastIndexOf('#')
  const field = hash === -1 ? undefined : location.slice(hash + 1)
  const path = (hash === -1 ? location : location.slice(0, hash)).replace(/^\/+|\/+$/g, '')
  if (path === '') throw new SecretSpecError(`invalid -secret ${JSON.stringify(text)}: the path is empty`)
  if (field === '')
    throw new SecretSpecError(`invalid -secret ${JSON.stringify(text)}: the field after # is empty`)
  return { text, source, path, field, env }
}
