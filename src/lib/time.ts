// A clock that tests can replace; everything TTL-related reads time through it.
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** The largest distance from the epoch a JS Date can hold (±100,000,000 days), in milliseconds. */
const MAX_DATE_MS = 8.64e15

/** Whether `ms` can be rendered as a date; rfc3339() throws on anything else. */
export function isRepresentableTime(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS
}

/** RFC 3339 with nanosecond-style fraction, as Vault prints times (Go's RFC3339Nano). */
export function rfc3339(ms: number): string {
  // Responses repeat the same few timestamps (a hot secret's created_time), and toISOString is costly.
  let text = recent.get(ms)
  if (text === undefined) {
    text = `${new Date(ms).toISOString().slice(0, -1)}000000Z`
    if (recent.size >= 1024) recent.clear()
    recent.set(ms, text)
  }
  return text
}

const recent = new Map<number, string>()

/**
 * Go's time.RFC3339Nano exactly, as Vault prints a time.Time it holds to the sub-second (a wrapping token's
 * creation_time): the fraction's trailing zeros dropped, and the dot with them on a whole second.
 */
export function rfc3339Trimmed(ms: number): string {
  const iso = new Date(ms).toISOString()
  const fraction = iso.slice(20, 23).replace(/0+$/, '')
  return `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`
}
