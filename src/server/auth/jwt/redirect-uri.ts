// Which redirect_uri an OIDC login may send the browser back to: Vault's allowed_redirect_uris rule.

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]']

/** The URI with its port removed, for the loopback comparison; undefined when it does not parse. */
function withoutPort(uri: string): string | undefined {
  try {
    const parsed = new URL(uri)
    parsed.port = ''
    return parsed.href
  } catch {
    return undefined
  }
}

/**
 * Exact match, except that a loopback URI may use any port (RFC 8252 §7.3: native clients listen on an
 * ephemeral one). Everything else about a loopback URI — scheme, user info, path, query, fragment — must
 * still equal an allowed URI's, as in Vault, so no query or path a role does not list can ride along.
 */
export function redirectAllowed(uri: string, allowed: readonly string[]): boolean {
  if (allowed.includes(uri)) return true
  let hostname: string
  try {
    hostname = new URL(uri).hostname
  } catch {
    return false
  }
  if (!LOOPBACK_HOSTS.includes(hostname)) return false
  const wanted = withoutPort(uri)
  return allowed.some((candidate) => withoutPort(candidate) === wanted)
}
