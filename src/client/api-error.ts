// Errors the client raises: an API answer with status >= 400, or a request that never got an answer.

/** A Vault-style error response; the message mirrors the Vault CLI's multi-line "Error making API request." block. */
export class ApiError extends Error {
  readonly status: number
  readonly errors: string[]
  readonly method: string
  readonly url: string
  /** The parsed response body, kept because Vault sometimes answers 404 with a useful body (deleted KV versions). */
  readonly body: unknown
  constructor(method: string, url: string, status: number, errors: string[], body: unknown) {
    super(formatApiErrorMessage(method, url, status, errors))
    this.name = 'ApiError'
    this.status = status
    this.errors = errors
    this.method = method
    this.url = url
    this.body = body
  }
}

/** The server could not be reached or the exchange broke (refused, TLS failure, timeout, unparsable body). */
export class ConnectionError extends Error {
  readonly method: string
  readonly url: string
  constructor(method: string, url: string, reason: string, options?: { cause?: unknown }) {
    super(`${method} ${url}: ${reason}`, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ConnectionError'
    this.method = method
    this.url = url
  }
}

export function formatApiErrorMessage(method: string, url: string, status: number, errors: string[]): string {
  const lines = ['Error making API request.', '', `URL: ${method} ${url}`, `Code: ${status}. Errors:`, '']
  for (const error of errors) lines.push(`* ${error}`)
  return lines.join('\n')
}

/** Pull the `errors` list out of a response body, tolerating bodies that are not Vault-shaped. */
export function extractErrors(body: unknown): string[] {
  if (body !== null && typeof body === 'object' && Array.isArray((body as { errors?: unknown }).errors)) {
    return (body as { errors: unknown[] }).errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))
  }
  if (typeof body === 'string' && body.trim() !== '') return [body.trim().slice(0, 500)]
  return []
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError
}
