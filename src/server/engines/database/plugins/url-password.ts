// A password written literally into connection_url: found (to warn and to scrub from errors) and masked as "xxxxx" on read.

const PLACEHOLDER = /^\{\{\s*password\s*\}\}$/
const MASK = 'xxxxx'

/** Where the password sits in `url` ([start, end) of the raw text), or undefined when there is none or only {{password}}. */
function passwordSpan(url: string): [number, number] | undefined {
  let span: [number, number] | undefined
  const keyValue = /(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/.exec(url)
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)
  if (scheme) {
    // A URL: the user info runs to the last '@' of the authority (the part before any '/', '?' or '#').
    const authorityEnd = url.slice(scheme[0].length).search(/[/?#]/)
    const authority = url.slice(
      scheme[0].length,
      authorityEnd === -1 ? undefined : scheme[0].length + authorityEnd,
    )
    const at = authority.lastIndexOf('@')
    const colon = authority.slice(0, Math.max(at, 0)).indexOf(':')
    if (at !== -1 && colon !== -1) span = [scheme[0].length + colon + 1, scheme[0].length + at]
    // libpq also takes the password as a query parameter.
    const query = span ? null : /[?&]password=([^&#]*)/.exec(url)
    if (query) span = [query.index + query[0].length - query[1]!.length, query.index + query[0].length]
  } else if (keyValue) {
    const value = keyValue[1]!
    const start = keyValue.index + keyValue[0].length - value.length
    span = [start, start + value.length]
  } else {
    // Go's MySQL DSN user:password@net(addr)/db: the user part ends at the last '@' before the last '/'.
    const slash = url.lastIndexOf('/')
    const at = url.slice(0, slash === -1 ? undefined : slash).lastIndexOf('@')
    const colon = url.slice(0, Math.max(at, 0)).indexOf(':')
    if (at !== -1 && colon !== -1) span = [colon + 1, at]
  }
  if (!span) return undefined
  const raw = url.slice(span[0], span[1]).replace(/^'(.*)'$/s, '$1')
  return raw === '' || PLACEHOLDER.test(raw) ? undefined : span
}

/** The literal password in `url` as written (still percent-encoded in a URL), or undefined. */
export function literalUrlPassword(url: string): string | undefined {
  const span = passwordSpan(url)
  return span && url.slice(span[0], span[1])
}

/**
 * `url` with a literal password replaced by "xxxxx", everything else as written: Go's url.Redacted(), which Vault
 * applies to URLs, extended to libpq key=value strings and MySQL DSNs, whose passwords Vault reads back in clear.
 */
export function redactUrlPassword(url: string): string {
  const span = passwordSpan(url)
  return span ? url.slice(0, span[0]) + MASK + url.slice(span[1]) : url
}
