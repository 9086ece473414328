// sys/quotas/config: the paths no rate-limit quota applies to, and whether refusals are audited and headers sent.

export interface QuotaConfig {
  rate_limit_exempt_paths: string[]
  enable_rate_limit_audit_logging: boolean
  enable_rate_limit_response_headers: boolean
}

/**
 * Vault's default exempt paths: what an operator needs to unseal, recover a root token and watch health must work
 * however tight a global quota is. An operator may change the list (an empty list exempts nothing).
 */
export const DEFAULT_EXEMPT_PATHS: readonly string[] = Object.freeze([
  'sys/generate-recovery-token/attempt',
  'sys/generate-recovery-token/update',
  'sys/generate-root/attempt',
  'sys/generate-root/update',
  'sys/health',
  'sys/seal-status',
  'sys/unseal',
])

export function defaultQuotaConfig(): QuotaConfig {
  return {
    rate_limit_exempt_paths: [...DEFAULT_EXEMPT_PATHS],
    enable_rate_limit_audit_logging: false,
    enable_rate_limit_response_headers: false,
  }
}

/**
 * Whether a request path is exempt. As in Vault, every entry is a prefix: 'sys/quotas/rate-limit' exempts
 * 'sys/quotas/rate-limit/rlq' too, and a trailing '*' is dropped. An entry starting with '!' is an exception: the
 * longest entry that begins the path decides. A leading '/v1/' or '/' is ignored, since older Vault releases listed
 * the defaults that way.
 */
export class ExemptPaths {
  /** Prefix and whether it exempts (false for a '!' exception), longest first. */
  readonly #entries: [string, boolean][] = []

  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      let entry = normaliseExemptPath(raw)
      const exception = entry.startsWith('!')
      if (exception) entry = normaliseExemptPath(entry.slice(1))
      entry = entry.replace(/\*$/, '')
      if (entry === '') continue
      this.#entries.push([entry, !exception])
    }
    this.#entries.sort((a, b) => b[0].length - a[0].length)
  }

  has(path: string): boolean {
    for (const [prefix, exempt] of this.#entries) if (path.startsWith(prefix)) return exempt
    return false
  }
}

export function normaliseExemptPath(entry: string): string {
  return entry.trim().replace(/^\/?(v1\/)?/, '')
}
