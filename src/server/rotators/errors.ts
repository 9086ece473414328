// Rotation failures: what failed, in words safe to log; a password (or anything carrying one) never enters a message.
export class RotationError extends Error {
  override name = 'RotationError'
}

/** A driver error's code (SQLSTATE, errno name, Redis error prefix), or undefined. */
function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && code !== '') return code
  if (error instanceof Error) return /^[A-Z]{3,}\b/.exec(error.message)?.[0]
  return undefined
}

/**
 * Why a driver call failed, as a short phrase. `secrets` are masked wherever they appear; with `omitMessage` (for a
 * statement that carried a password, whose text a syntax error may quote in part) only the error's code is kept.
 */
export function safeReason(error: unknown, secrets: string[], omitMessage = false): string {
  const code = codeOf(error)
  if (omitMessage) return code ? `error ${code}` : 'an error the driver did not classify'
  let message = error instanceof Error ? error.message : String(error)
  for (const secret of secrets) if (secret !== '') message = message.split(secret).join('***')
  message = message.split('\n')[0]!.slice(0, 300)
  return code && !message.includes(code) ? `${message} (${code})` : message
}

/** A Secrets Manager call's failure, named as the AWS SDK names it (its messages never hold a secret value). */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const name = (error as { name?: unknown }).name
  return typeof name === 'string' ? name : undefined
}
