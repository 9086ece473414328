// Opaque NextToken values: the last name (or version) answered, so items added or removed meanwhile shift nothing.
import { invalidNextToken } from './errors.ts'

export function encodeToken(after: string | number, scope: string): string {
  return Buffer.from(JSON.stringify({ scope, after })).toString('base64url')
}

/** The cursor a NextToken carries; a token from another listing (scope) is refused. */
export function decodeToken(token: unknown, scope: string): string | number | undefined {
  if (token === undefined || token === null) return undefined
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw invalidNextToken()
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      scope?: unknown
      after?: unknown
    }
    if (cursor.scope !== scope || (typeof cursor.after !== 'string' && typeof cursor.after !== 'number'))
      throw invalidNextToken()
    return cursor.after
  } catch {
    throw invalidNextToken()
  }
}
