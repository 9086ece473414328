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
 * Whether a request path is exempt: an entry names one path, or with a trailing '*' every path it begins. A leading
 * '/v1/' or '/' is ignored, since older Vault releases listed the defaults that way.
 */
export class ExemptPaths {
  readonly #exact = new Set<string>()
  readonly #prefixes: string[] = []

  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = normaliseExemptPath(raw)
      if (entry.endsWith('*')) this.#prefixes.push(entry.slice(0, -1))
      else this.#exact.add(entry)
    }
  }

  has(path: string): boolean {
    if (this.#exact.has(path)) return true
    for (const prefix of this.#prefixes) if (path.startsWith(prefix)) return true
    return false
  }
}

export function normaliseExemptPath(entry: string): string {
  return entry.trim().replace(/^\/?(v1\/)?/, '')
}
