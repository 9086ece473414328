// Vault-style durations: "90", 90, "1h30m", "15s", "1.5h", "7d" in and seconds out.
const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
}
/** One number-and-unit of Go's time.ParseDuration ("1.5h", ".5h", "1.h"; µ as micro sign or Greek mu), plus days. */
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/gy

/**
 * The longest duration accepted, in seconds: Go's time.Duration tops out at 2^63-1 nanoseconds (about 292
 * years), so Vault refuses anything longer, and every such span added to "now" stays a valid JS Date.
 */
export const MAX_DURATION_SECONDS = 9_223_372_036.854_774

/** Whole seconds after the range check that every parsed duration passes. */
function bounded(seconds: number, field: string): number {
  if (!(seconds <= MAX_DURATION_SECONDS))
    throw new RangeError(
      `${field}: must be at most ${Math.floor(MAX_DURATION_SECONDS)} seconds (about 292 years)`,
    )
  return Math.floor(seconds)
}

/**
 * Parse a duration into whole seconds; throws RangeError naming `field` when malformed, negative or too long (callers
 * turn it into a 400). Strings take Vault's forms (parseutil.ParseDurationSecond): "" is 0, an optionally signed
 * integer is seconds, otherwise Go's time.ParseDuration syntax, truncated to whole seconds ("1.5s" is 1, and "-0.5s"
 * is 0, not negative). Beyond Vault, on purpose: surrounding blanks are ignored and a "d" (days) unit may appear
 * anywhere ("1d12h", "1.5d"), where Vault takes days only as a whole "<n>d".
 */
export function parseDuration(value: unknown, field = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`${field}: must be a non-negative duration`)
    return bounded(value, field)
  }
  if (typeof value !== 'string') throw new RangeError(`${field}: expected a duration such as "1h" or 3600`)
  const trimmed = value.trim()
  if (trimmed === '') return 0
  const negative = trimmed.startsWith('-')
  const text = negative || trimmed.startsWith('+') ? trimmed.slice(1) : trimmed
  let total: number
  if (/^\d+$/.test(text)) total = Number(text)
  else {
    total = 0
    PART.lastIndex = 0
    let consumed = 0
    for (let m = PART.exec(text); m; m = PART.exec(text)) {
      total += Number(m[1]) * (UNIT_SECONDS[m[2] as string] ?? 0)
      consumed = PART.lastIndex
    }
    if (consumed !== text.length || consumed === 0) {
      throw new RangeError(`${field}: cannot parse ${JSON.stringify(trimmed.slice(0, 40))} as a duration`)
    }
  }
  const seconds = bounded(total, field)
  if (negative && seconds > 0) throw new RangeError(`${field}: must be a non-negative duration`)
  return seconds
}

/** Format seconds the way Go's time.Duration prints them ("1h0m0s", "3h25m19s", "0s"). */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return '0s'
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  if (h > 0) return `${h}h${m}m${s}s`
  if (m > 0) return `${m}m${s}s`
  return `${s}s`
}
