// Segment patterns for backend paths: "keys/:name" (one segment), "data/*path" (the rest), "roles/" (optional slash).

export interface CompiledPattern {
  readonly source: string
  /** Higher sorts first: static segments beat parameters, parameters beat the rest-wildcard. */
  readonly rank: number[]
  match(path: string): Record<string, string> | undefined
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export function compilePattern(source: string): CompiledPattern {
  const optionalSlash = source.endsWith('/')
  const body = optionalSlash ? source.slice(0, -1) : source
  const segments = body === '' ? [] : body.split('/')
  const names: string[] = []
  const rank: number[] = []
  const parts: string[] = []
  segments.forEach((segment, index) => {
    if (segment.startsWith(':')) {
      names.push(segment.slice(1))
      parts.push('([^/]+)')
      rank.push(2)
    } else if (segment.startsWith('*')) {
      if (index !== segments.length - 1)
        throw new Error(`pattern ${source}: a *wildcard must be the last segment`)
      names.push(segment.slice(1))
      parts.push('(.*)')
      rank.push(1)
    } else {
      parts.push(escapeRegExp(segment))
      rank.push(3)
    }
  })
  let text = parts.join('/')
  // "data/*path" must also match "data" and "data/" so a list of the root works.
  if (text.endsWith('/(.*)')) text = `${text.slice(0, -5)}(?:/(.*))?`
  else if (optionalSlash) text += '/?'
  const regex = new RegExp(`^${text}$`, 's')
  return {
    source,
    rank,
    match(path) {
      const m = regex.exec(path)
      if (!m) return undefined
      const params: Record<string, string> = {}
      names.forEach((name, i) => {
        params[name] = m[i + 1] ?? ''
      })
      return params
    },
  }
}

/** A pattern that ends here beats one whose rest-wildcard would match nothing ("mounts" over "mounts/*path"). */
const ENDED = 1.5

export function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (b[i] ?? ENDED) - (a[i] ?? ENDED)
    if (diff !== 0) return diff
  }
  return 0
}
