// Event type patterns as Vault matches them (subscribe URLs, subscribe_event_types): `*` stands for any run of characters.

/** Whether `eventType` matches `pattern`, where each `*` matches any characters (including none and '/'). */
export function eventTypeMatches(pattern: string, eventType: string): boolean {
  if (!pattern.includes('*')) return pattern === eventType
  const parts = pattern.split('*')
  const first = parts[0] as string
  const last = parts[parts.length - 1] as string
  if (!eventType.startsWith(first) || eventType.length < first.length + last.length) return false
  let at = first.length
  for (const middle of parts.slice(1, -1)) {
    const found = eventType.indexOf(middle, at)
    if (found < 0) return false
    at = found + middle.length
  }
  return eventType.length - last.length >= at && eventType.endsWith(last)
}
