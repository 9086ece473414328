// HTML escaping for the compliance report: every string from the server (secret names are user input) passes through here.

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Text or attribute value, safe inside element content and inside a double- or single-quoted attribute. */
export function esc(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value)
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}
