// Audited request headers (Vault's sys/config/auditing/request-headers): which headers an entry records, and how.
import { InvalidRequestError } from '../../sdk/errors.ts'

/**
 * The configured headers in force, frozen and replaced whole on every change, so an entry built with one set is
 * hashed with the same one. Absent (undefined) when none is configured: then a request does no header work at all.
 */
export interface AuditedHeaderSet {
  /** Lower-cased names, sorted: Go writes a map's keys sorted, so Vault's `request.headers` comes out in this order. */
  readonly names: readonly string[]
  /** The names configured with `hmac: false`: their values are recorded in clear, every other one is HMAC'd. */
  readonly clear: ReadonlySet<string>
}

/** A header name is an RFC 9110 token: anything else could never arrive as a header, so it could never match. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Far above any real header name, and it keeps what one PUT can make the server store and check per request small. */
const MAX_NAME_LENGTH = 256

/**
 * The headers that carry the caller's token. Vault drops the token header (and Bearer values of Authorization) from
 * a request's headers before auditing them; Coffer never records either, even if configured, so a token can never
 * reach an audit line through this setting, not even HMAC'd. (The HTTP adapter already leaves them out.)
 */
const NEVER_RECORDED = new Set(['x-vault-token', 'authorization'])

/** `name` lower-cased, or a 400 when it is empty or cannot be a header name. */
export function checkHeaderName(name: string): string {
  if (name === '') throw new InvalidRequestError('missing header name')
  if (name.length > MAX_NAME_LENGTH)
    throw new InvalidRequestError(`invalid header name: longer than ${MAX_NAME_LENGTH} characters`)
  if (!TOKEN.test(name))
    throw new InvalidRequestError(
      `invalid header name ${JSON.stringify(name)}: only letters, digits and !#$%&'*+-.^_\`|~ are allowed`,
    )
  return name.toLowerCase()
}

/** The set for these settings (lower-cased name → hmac), or undefined when there are none. */
export function auditedHeaderSet(settings: ReadonlyMap<string, boolean>): AuditedHeaderSet | undefined {
  if (settings.size === 0) return undefined
  const names = [...settings.keys()].sort()
  const clear = new Set(names.filter((name) => settings.get(name) === false))
  return Object.freeze({ names: Object.freeze(names), clear })
}

/**
 * The configured headers `headers` has, as Vault records them: lower-cased name → list of values, in clear (each
 * device HMACs them as it writes: hashHeaders). Undefined when the request has none of them. The adapter gives one
 * string per header (Node joins a repeated header's values with ", "), recorded as a one-value list.
 */
export function selectHeaders(
  set: AuditedHeaderSet,
  headers: Readonly<Record<string, string>>,
): Record<string, string[]> | undefined {
  let selected: Record<string, string[]> | undefined
  for (const name of set.names) {
    if (NEVER_RECORDED.has(name)) continue
    // Only an own string value: a name such as __proto__ or constructor must not read what the object inherits. The
    // adapter's record is a proxy whose keys are its own, and it answers this through its descriptor trap.
    const value = Object.getOwnPropertyDescriptor(headers, name)?.value
    if (typeof value !== 'string') continue
    // No prototype: a header named __proto__ is then an ordinary key of the line.
    selected ??= Object.create(null) as Record<string, string[]>
    selected[name] = [value]
  }
  return selected
}

/**
 * A device's copy of an entry's headers: every value HMAC'd with the device's salt except those of the headers in
 * `clear` (configured with hmac false). Without `clear` everything is HMAC'd, so a caller that forgets to pass it
 * hashes too much, never too little. `log_raw` does not change this, as in Vault, where the headers are hashed
 * before the formatter that log_raw turns off.
 */
export function hashHeaders(
  headers: Readonly<Record<string, readonly string[]>>,
  hmac: (value: string) => string,
  clear: ReadonlySet<string> | undefined,
): Record<string, string[]> {
  const out = Object.create(null) as Record<string, string[]>
  for (const name in headers) {
    const values = headers[name]!
    out[name] = clear?.has(name) === true ? [...values] : values.map(hmac)
  }
  return out
}
