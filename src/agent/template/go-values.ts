// Go's view of JSON-shaped values: truth, printing (fmt's %v), comparison and JSON encoding as encoding/json does it.

/** A map key that is not there (Go's invalid reflect.Value): prints "<no value>", unlike a present null ("<nil>"). */
export const MISSING: unique symbol = Symbol('missing')
export type Value = unknown

export function isMap(value: Value): value is Record<string, Value> {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
  )
}

/** text/template's truth: false, 0, "", nil, an empty slice or map, and a missing value are false. */
export function truthy(value: Value): boolean {
  if (value === MISSING || value === null || value === undefined) return false
  if (typeof value === 'boolean') return value
  if (typeof value === 'number') return value !== 0
  if (typeof value === 'string') return value !== ''
  if (Array.isArray(value)) return value.length > 0
  if (isMap(value)) return Object.keys(value).length > 0
  return true
}

/** fmt's %v: maps as map[k:v ...] with sorted keys, slices as [a b]. */
export function formatValue(value: Value, top = true): string {
  if (value === MISSING || value === undefined) return top ? '<no value>' : '<nil>'
  if (value === null) return '<nil>'
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map((item) => formatValue(item, false)).join(' ')}]`
  if (isMap(value))
    return `map[${Object.keys(value)
      .sort()
      .map((key) => `${key}:${formatValue(value[key], false)}`)
      .join(' ')}]`
  return String(value)
}

const HTML_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026' }

/** encoding/json's Marshal: map keys sorted, <, > and & escaped; MarshalIndent when `indent` is given. */
export function goJson(value: Value, indent?: string): string {
  const sortKeys = (v: Value): Value => {
    if (v === MISSING || v === undefined) return null
    if (Array.isArray(v)) return v.map(sortKeys)
    if (isMap(v))
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((key) => [key, sortKeys(v[key])]),
      )
    return v
  }
  return JSON.stringify(sortKeys(value), null, indent).replace(/[<>&\u2028\u2029]/g, (ch) =>
    ch in HTML_ESCAPES ? HTML_ESCAPES[ch]! : `\\u${ch.charCodeAt(0).toString(16)}`,
  )
}

/** fmt's Sprintf for the verbs templates use: %s %v %d %f %q %t %x %%, with flags, width and precision. */
export function sprintf(format: string, args: readonly Value[]): string {
  let next = 0
  return (
    format.replace(
      /%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g,
      (_whole, flags: string, width, precision, verb) => {
        if (verb === '%') return '%'
        if (next >= args.length) return `%!${verb}(MISSING)`
        const arg = args[next++]
        let text: string
        switch (verb) {
          case 'v':
          case 's':
            text = formatValue(arg, false)
            if (precision !== undefined && verb === 's') text = text.slice(0, Number(precision))
            break
          case 'q':
            text = typeof arg === 'string' ? JSON.stringify(arg) : `%!q(${formatValue(arg, false)})`
            break
          case 'd':
            text =
              typeof arg === 'number' && Number.isInteger(arg)
                ? String(arg)
                : `%!d(${formatValue(arg, false)})`
            if (flags.includes('+') && typeof arg === 'number' && arg >= 0) text = `+${text}`
            break
          case 'f':
            text =
              typeof arg === 'number'
                ? arg.toFixed(precision === undefined ? 6 : Number(precision))
                : `%!f(${formatValue(arg, false)})`
            break
          case 't':
            text = typeof arg === 'boolean' ? String(arg) : `%!t(${formatValue(arg, false)})`
            break
          case 'x':
          case 'X': {
            const hex =
              typeof arg === 'number'
                ? arg.toString(16)
                : typeof arg === 'string'
                  ? Buffer.from(arg).toString('hex')
                  : `%!${verb}(${formatValue(arg, false)})`
            text = verb === 'X' ? hex.toUpperCase() : hex
            break
          }
          default:
            text = `%!${verb}(${formatValue(arg, false)})`
        }
        if (width !== undefined && text.length < Number(width)) {
          const pad = Number(width) - text.length
          if (flags.includes('-')) text += ' '.repeat(pad)
          else if (flags.includes('0') && /[dfxX]/.test(verb))
            text = text.startsWith('-') ? `-${'0'.repeat(pad)}${text.slice(1)}` : '0'.repeat(pad) + text
          else text = ' '.repeat(pad) + text
        }
        return text
      },
    ) +
    (next < args.length
      ? `%!(EXTRA ${args
          .slice(next)
          .map((a) => formatValue(a, false))
          .join(', ')})`
      : '')
  )
}

/** Go's eq/lt on basic values: numbers with numbers, strings with strings, bools with bools. */
export function comparable(a: Value, b: Value): boolean {
  const kind = (v: Value) => (v === null || v === MISSING || v === undefined ? 'nil' : typeof v)
  return kind(a) === kind(b) && ['number', 'string', 'boolean', 'nil'].includes(kind(a))
}

/** A value's Go-ish type name for error messages: errors name types, never values, which may be secrets. */
export function typeName(value: Value): string {
  if (value === MISSING || value === undefined || value === null) return 'nil'
  if (Array.isArray(value)) return '[]interface {}'
  if (isMap(value)) return 'map[string]interface {}'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64'
  if (typeof value === 'boolean') return 'bool'
  return typeof value
}
