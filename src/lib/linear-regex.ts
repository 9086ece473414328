// Regular expressions compiled for V8's linear-time engine (the `l` flag), so a caller's pattern cannot backtrack.
import v8 from 'node:v8'

// Only regular expressions written with the `l` flag are affected; every other one keeps V8's usual engine.
v8.setFlagsFromString('--enable-experimental-regexp-engine')

/** Whether this runtime compiles `l` patterns (checked once; Node 24's V8 does). */
export const LINEAR_AVAILABLE = ((): boolean => {
  try {
    // biome-ignore lint/complexity/useRegexLiterals: a literal with an unknown flag would not even parse
    new RegExp('a', 'l')
    return true
  } catch {
    return false
  }
})()

/** Why a pattern cannot be compiled for linear-time matching. */
export class LinearRegexError extends Error {}

/**
 * `source` compiled to run in time linear in the input, as Go's RE2 (Vault's engine) does. Throws LinearRegexError
 * for a pattern that is not valid, or that needs backtracking (backreferences, lookaround: RE2 has neither).
 */
export function linearRegExp(source: string): RegExp {
  try {
    new RegExp(source)
  } catch {
    throw new LinearRegexError('invalid regular expression')
  }
  try {
    return new RegExp(source, 'l')
  } catch {
    throw new LinearRegexError(
      'it needs backreferences or lookaround, which linear-time matching (RE2) lacks',
    )
  }
}
