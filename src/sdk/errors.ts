// The error catalogue: typed errors carry their HTTP status; only the HTTP adapter and the CLI render them.
export type ErrorCode =
  | 'invalid_request'
  | 'permission_denied'
  | 'not_found'
  | 'unsupported_operation'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'upstream'
  | 'sealed'
  | 'standby'
  | 'internal'

export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  /** Extra messages shown beside the main one, e.g. Vault's multi-error lists. */
  readonly errors: string[]
  /** Details shown as the error answer's `data` (Vault's error responses that carry data, such as merge clashes). */
  readonly data: unknown
  constructor(
    code: ErrorCode,
    status: number,
    message: string,
    options?: { cause?: unknown; errors?: string[]; data?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.status = status
    this.errors = options?.errors ?? (message === '' ? [] : [message])
    this.data = options?.data
  }
}

export class InvalidRequestError extends AppError {
  constructor(message: string, options?: { cause?: unknown; data?: unknown }) {
    super('invalid_request', 400, message, options)
  }
}

/**
 * Vault answers an authorization failure with exactly `permission denied`, so clients match on it; a few
 * auth methods answer their 403 with their own text (a CIDR or binding refusal), which `message` carries.
 */
export class PermissionDeniedError extends AppError {
  constructor(message = 'permission denied') {
    super('permission_denied', 403, message)
  }
}

/** A 404; an empty message renders as Vault's `{"errors":[]}` for a missing read. */
export class NotFoundError extends AppError {
  constructor(message = '') {
    super('not_found', 404, message)
  }
}

export class UnsupportedOperationError extends AppError {
  constructor(message = 'unsupported operation') {
    super('unsupported_operation', 405, message)
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limit: number) {
    super('payload_too_large', 413, `request body exceeds the limit of ${limit} bytes`)
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super('unsupported_media_type', 415, message)
  }
}

/** A rate-limit quota refused the request: Vault's 429 and wording, which clients match on. */
export class RateLimitedError extends AppError {
  constructor(path: string) {
    super('rate_limited', 429, `request path ${JSON.stringify(path)}: rate limit quota exceeded`)
  }
}

/** The database, identity provider or other system an engine calls failed; the cause is logged, not shown. */
export class UpstreamError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('upstream', 502, message, options)
  }
}

export class SealedError extends AppError {
  constructor() {
    super('sealed', 503, 'Vault is sealed')
  }
}

/** HA: this node is not (or no longer) the active one, so it may not write; the client retries (on any node). */
export class StandbyError extends AppError {
  constructor(message = 'this node is not the active node; retry the request') {
    super('standby', 503, message)
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError
}
