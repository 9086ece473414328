// Turning an HTTP request into the pieces of a LogicalRequest: path checks, operation, token and data.

import { INEXACT_NUMBER_MESSAGE, inexactJsonNumber } from '../../lib/exact-json-numbers.ts'
import {
  DEFAULT_JSON_LIMITS,
  exceededJsonLimit,
  type JsonLimits,
  jsonLimitMessage,
} from '../../lib/json-limits.ts'
import { wellFormedJson } from '../../lib/well-formed-json.ts'
import { KMS_INTERNAL_HEADER_PREFIX } from '../../sdk/aws-kms-routes.ts'
import { InvalidRequestError, UnsupportedOperationError } from '../../sdk/errors.ts'
import { requireMergePatch } from '../../sdk/patch-content-type.ts'
import type { Operation } from '../../sdk/request.ts'
import type { HttpRequest } from './http-types.ts'

export interface ParsedTarget {
  /** Path after /v1/, percent-decoded and checked. */
  path: string
  query: URLSearchParams
}

const NO_QUERY = new URLSearchParams()

/** Not a letter, mark, number, punctuation, symbol or the ASCII space: Go's !unicode.IsPrint. */
const NON_PRINTABLE = /[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/u

/**
 * A request target in absolute form (`http://host:8200/v1/...`, as a client speaking to a proxy sends it) as its
 * origin form, path and query; a server must accept it (RFC 9112, 3.2.2) and Go's server, so Vault, serves it as
 * the path. Any other target is returned as it is.
 */
export function originForm(target: string): string {
  if (target.startsWith('/')) return target
  const authority = /^https?:\/\/[^/?#]*/i.exec(target)
  if (authority === null) return target
  const rest = target.slice(authority[0].length)
  return rest.startsWith('/') ? rest : `/${rest}`
}

/** Split and validate the request target; undefined when it is not under /v1/. */
export function parseTarget(url: string): ParsedTarget | undefined {
  const q = url.indexOf('?')
  const rawPath = q === -1 ? url : url.slice(0, q)
  if (!rawPath.startsWith('/v1/')) return undefined
  let path = rawPath.slice(4)
  if (path.includes('%')) {
    try {
      path = decodeURIComponent(path)
    } catch {
      throw new InvalidRequestError('invalid path: malformed percent-encoding')
    }
  }
  // Traversal and control characters are refused outright, whatever their encoding was.
  if (/[\u0000-\u001f\u007f]/.test(path))
    throw new InvalidRequestError('invalid path: control characters are not allowed')
  // So is any other non-printable character (Go's unicode.IsPrint, which Vault's handler checks the path
  // with): line separators, zero-width and bidi-override marks, non-ASCII spaces and unassigned code points
  // would make two paths that look the same in a policy, a log or a UI name different secrets.
  if (NON_PRINTABLE.test(path))
    throw new InvalidRequestError('invalid path: non-printable characters are not allowed')
  if (/(?:^|\/)\.{1,2}(?:\/|$)/.test(path)) {
    throw new InvalidRequestError('invalid path: "." and ".." segments are not allowed')
  }
  if (path.includes('//')) throw new InvalidRequestError('invalid path: empty path segment')
  if (path.startsWith('/')) path = path.replace(/^\/+/, '')
  return { path, query: q === -1 ? NO_QUERY : new URLSearchParams(url.slice(q + 1)) }
}

/** A query flag read as Go's strconv.ParseBool, as Vault reads them; anything else is a 400 naming the flag. */
export function goBool(name: string, value: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False', ''].includes(value)) return false
  throw new InvalidRequestError(
    `invalid value for "${name}": ${JSON.stringify(value.slice(0, 20))} is not a boolean`,
  )
}

/** `?list=`: 1/t/true list, 0/f/false (or empty) read. */
function listFlag(value: string | null): boolean {
  return value !== null && goBool('list', value)
}

/** Vault's verb mapping; the LIST verb arrives here from the connection layer (see list-verb.ts). */
export function operationFor(method: string, query: URLSearchParams, contentType: string): Operation {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return listFlag(query.get('list')) ? 'list' : 'read'
    case 'POST':
    case 'PUT':
      return 'update'
    case 'DELETE':
      return 'delete'
    case 'LIST':
      return 'list'
    case 'PATCH':
      requireMergePatch(contentType)
      return 'patch'
    default:
      throw new UnsupportedOperationError(`unsupported method ${method.slice(0, 16)}`)
  }
}

export function header(req: HttpRequest, name: string): string {
  const value = req.headers[name]
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '')
}

export function clientToken(req: HttpRequest): string {
  const direct = header(req, 'x-vault-token')
  if (direct !== '') return direct.trim()
  const authorization = header(req, 'authorization')
  return authorization.toLowerCase().startsWith('bearer ') ? authorization.slice(7).trim() : ''
}

/**
 * Body data for writes: a JSON object or a form; query parameters for reads, deletes and lists. A form is
 * flat by construction; JSON past one of the listener's limits (nesting, string length, members of an object or
 * array) is refused before it is parsed, so an unauthenticated caller cannot make the parser build a million keys.
 */
export function requestData(
  req: HttpRequest,
  operation: Operation,
  query: URLSearchParams,
  jsonLimits: JsonLimits = DEFAULT_JSON_LIMITS,
): Record<string, unknown> {
  const contentType = header(req, 'content-type')
  if (req.body.length > 0 && (operation === 'update' || operation === 'patch' || operation === 'create')) {
    // Like Vault, look at the body rather than trust the header: `curl -d '{...}'` labels JSON as a form.
    const text = req.body.toString('utf8')
    if (contentType.startsWith('application/x-www-form-urlencoded') && !/^\s*[{[]/.test(text)) {
      return formData(new URLSearchParams(text))
    }
    const exceeded = exceededJsonLimit(text, req.body.length, jsonLimits)
    if (exceeded !== undefined)
      throw new InvalidRequestError(jsonLimitMessage(exceeded, jsonLimits, 'request body'))
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      throw new InvalidRequestError(`failed to parse JSON input: ${jsonProblem((error as Error).message)}`)
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new InvalidRequestError('failed to parse JSON input: the body must be a JSON object')
    }
    if (inexactJsonNumber(text) !== undefined) throw new InvalidRequestError(INEXACT_NUMBER_MESSAGE)
    return wellFormedJson(parsed, text) as Record<string, unknown>
  }
  return queryData(query)
}

/**
 * What JSON.parse found wrong, without the piece of the input V8 quotes in some of its messages (`Unexpected token
 * 'h', "{"password": h"... is not valid JSON`): the body may be the very secret being sent, and the message goes
 * back in the answer and into the audit log. The position-only messages (`Unterminated string in JSON at position
 * 34`) are kept as they are.
 */
function jsonProblem(message: string): string {
  if (message.endsWith(' is not valid JSON')) return 'Unexpected token in JSON'
  return message.includes('"') ? 'invalid JSON' : message.slice(0, 120)
}

/**
 * Query parameters as Vault's parseQuery reads them: a name given once is a string, a name repeated is the list
 * of its values, so `?version=1&version=2` fails an integer field with 400 instead of quietly meaning the last.
 */
function queryData(query: URLSearchParams): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  for (const key of new Set(query.keys())) {
    if (key === 'list' || key === 'help') continue
    const values = query.getAll(key)
    data[key] = values.length === 1 ? values[0] : values
  }
  return data
}

/** A form body as Vault's parseFormRequest reads it: a repeated name's values joined with commas. */
function formData(form: URLSearchParams): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  for (const key of new Set(form.keys())) data[key] = form.getAll(key).join(',')
  return data
}

/**
 * The request headers minus the token headers and the ones only the AWS front door may set (a ReEncrypt half's
 * marker, sdk/aws-kms-routes.ts), built only if a backend asks (most never do).
 */
export function plainHeaders(req: HttpRequest): Record<string, string> {
  let built: Record<string, string> | undefined
  const build = (): Record<string, string> => {
    if (built) return built
    built = {}
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'x-vault-token' || name === 'authorization' || value === undefined) continue
      if (name.startsWith(KMS_INTERNAL_HEADER_PREFIX)) continue
      built[name] = Array.isArray(value) ? value.join(', ') : value
    }
    return built
  }
  return new Proxy({} as Record<string, string>, {
    get: (_, name) => (typeof name === 'string' ? build()[name] : undefined),
    has: (_, name) => typeof name === 'string' && name in build(),
    ownKeys: () => Reflect.ownKeys(build()),
    getOwnPropertyDescriptor: (_, name) => Reflect.getOwnPropertyDescriptor(build(), name),
  })
}
