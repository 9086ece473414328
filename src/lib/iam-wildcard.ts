// IAM's wildcards (`*` any run of characters, `?` exactly one), matched without a regular expression.

/**
 * Whether `value` matches `pattern`. A pattern turned into a regular expression (`*` as `.*`) backtracks
 * polynomially in its number of stars: "*a*a*a*a*a*a*b" took seconds against 60 characters and blocked every
 * other request meanwhile. This greedy scan, returning to the last star on a mismatch, takes at most
 * pattern length × value length steps. `ci` compares case-insensitively, as IAM compares action names.
 */
export function iamWildcardMatch(pattern: string, value: string, ci = false): boolean {
  const p = ci ? pattern.toLowerCase() : pattern
  const v = ci ? value.toLowerCase() : value
  let pi = 0
  let vi = 0
  let star = -1
  let resume = 0
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === v[vi]))) {
      pi++
      vi++
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++
      resume = vi
    } else if (star !== -1) {
      pi = star + 1
      vi = ++resume
    } else return false
  }
  while (p[pi] === '*') pi++
  return pi === p.length
}
