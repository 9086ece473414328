// Errors the client raises: the server answered with an error status, or no answer came at all.

/** The server answered with status >= 400; `errors` is Vault's `errors` list. Never carries a token or a value. */
export class CofferError extends Error {
  readonly status: number
  readonly errors: string[]
  readonly method: string
  readonly path: string
  constructor(method: string, path: string, status: number, errors: string[]) {
    super(`${method} /v1/${path}: ${status}${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`)
    this.name = 'CofferError'
    this.status = status
    this.errors = errors
    this.method = method
    this.path = path
  }
}

/** The server could not be reached, or the exchange broke before an answer was read. */
export class CofferConnectionError extends Error {
  readonly method: string
  readonly path: string
  constructor(method: string, path: string, reason: string, options?: { cause?: unknown }) {
    super(`${method} /v1/${path}: ${reason}`, options)
    this.name = 'CofferConnectionError'
    this.method = method
    this.path = path
  }
}

/**
 * Whether an error says the server is unwell or out of reach (worth a retry, and worth serving a stale value
 * for), as opposed to an answer about the request itself. 403 and 404 are answers: a revoked permission or a
 * deleted secret must never be papered over with what was cached before.
 */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof CofferConnectionError) return true
  return error instanceof CofferError && (error.status >= 500 || error.status === 429)
}

/** Vault's `errors` list from a body, tolerating bodies that are not Vault-shaped (cut short, never echoed whole). */
export function errorsOf(body: unknown): string[] {
  if (body !== null && typeof body === 'object' && Array.isArray((body as { errors?: unknown }).errors)) {
    return (body as { errors: unknown[] }).errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))
  }
  return []
}
