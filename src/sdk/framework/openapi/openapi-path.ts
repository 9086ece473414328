// Coffer path patterns ("keys/:name", "data/*path", "roles/") in OpenAPI's form ("keys/{name}", "data/{path}", "roles").

export interface OpenApiPath {
  /** Relative to the mount, without a leading slash: "keys/{name}". */
  path: string
  /** The `{name}` parameters, in the order they appear. */
  params: string[]
}

/**
 * A pattern's OpenAPI path. A trailing optional slash is dropped (Vault drops a `/?` the same way); a
 * rest-wildcard becomes one parameter, as Vault's `(?P<path>.*)` does.
 */
export function openApiPath(pattern: string): OpenApiPath {
  const body = pattern.endsWith('/') ? pattern.slice(0, -1) : pattern
  const params: string[] = []
  const segments = body === '' ? [] : body.split('/')
  const path = segments
    .map((segment) => {
      if (segment.startsWith(':') || segment.startsWith('*')) {
        params.push(segment.slice(1))
        return `{${segment.slice(1)}}`
      }
      return segment
    })
    .join('/')
  return { path, params }
}

/**
 * Whether an OpenAPI path is one of a backend's special paths (unauthenticated, sudo): exact, or under an entry
 * ending in `*` — the way BackendInstance.isSpecial reads them — or by segments with `+`, as Vault also allows.
 */
export function specialPathMatch(path: string, special: readonly string[]): boolean {
  return special.some((entry) => {
    if (entry === path) return true
    if (entry.endsWith('*') && path.startsWith(entry.slice(0, -1))) return true
    if (!entry.includes('+')) return false
    const want = entry.split('/')
    const have = path.split('/')
    if (have.length < want.length) return false
    for (const [i, part] of want.entries()) {
      if (part === '+') continue
      if (part === '*' || (part.endsWith('*') && have[i]!.startsWith(part.slice(0, -1)))) return true
      if (part !== have[i]) return false
    }
    return have.length === want.length
  })
}

/** Vault's operationId: prefix, verb and the path's words, lower-cased and joined by hyphens ("kv-write-data-path"). */
export function operationId(prefix: string, verb: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9_]+/).filter((word) => word !== '')
  return [prefix, verb, ...words]
    .filter((part) => part !== '')
    .join('-')
    .toLowerCase()
}

/** "kv-write-data-path" → "KvWriteDataPath", the stem of Vault's request and response schema names. */
export function titleCase(hyphenated: string): string {
  return hyphenated
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')
}
