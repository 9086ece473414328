// Vault's simple globs (bound_claims, bound service account names): `*` matches any run of characters, nothing else is special.

/** Whether `value` matches `pattern`, where each `*` stands for any (possibly empty) run of characters. */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true
  const parts = pattern.split('*')
  if (parts.length === 1) return pattern === value
  const first = parts[0]!
  const last = parts.at(-1)!
  if (!value.startsWith(first)) return false
  let at = first.length
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, at)
    if (found < 0) return false
    at = found + middle.length
  }
  // The suffix must fit after everything matched so far, so "a*a" does not match "a".
  return value.length - last.length >= at && value.endsWith(last)
}

/** Whether any pattern in `patterns` matches `value`. */
export function globListMatch(patterns: readonly string[], value: string): boolean {
  return patterns.some((pattern) => globMatch(pattern, value))
}
