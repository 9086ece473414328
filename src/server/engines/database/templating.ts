// Statement lists as Vault accepts them (string with ';', JSON list, base64) and {{name}}/{{password}}/{{expiration}} filling.
import { Buffer } from 'node:buffer'
import { InvalidRequestError } from '../../../sdk/errors.ts'

/** A statements field: a JSON list, a single string, or either base64-encoded; each trimmed, blanks dropped. */
export function parseStatements(value: unknown, field = 'statements'): string[] {
  if (value === undefined || value === null) return []
  const refuse = (): never => {
    throw new InvalidRequestError(`invalid value for "${field}": expected a list of strings`)
  }
  let items: unknown[] = []
  if (Array.isArray(value)) items = value
  else if (typeof value === 'string') {
    const trimmed = value.trim()
    if (trimmed.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(trimmed)
        items = Array.isArray(parsed) ? parsed : [value]
      } catch {
        items = [value]
      }
    } else items = [value]
  } else if (typeof value === 'object') refuse()
  else items = [String(value)]
  // Scalars read as text, as Vault's weak decoding does; an object or a nested list is no statement.
  if (items.some((item) => item !== null && typeof item === 'object')) refuse()
  // Trimmed as Vault's string-slice fields are, so a statement read back is the one written minus its indentation.
  return items.map((item) => decodeMaybeBase64(String(item)).trim()).filter((s) => s !== '')
}

function decodeMaybeBase64(text: string): string {
  const trimmed = text.trim()
  if (trimmed.length < 8 || trimmed.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return text
  const decoded = Buffer.from(trimmed, 'base64').toString('utf8')
  // Only text that reads as a statement: printable, with a space somewhere (base64 of SQL always has one).
  return /^[\P{C}\s]*$/u.test(decoded) && /\s/.test(decoded) ? decoded : text
}

/**
 * Split SQL on ';' outside quotes, identifiers, comments and $tag$ bodies, so a DO block or a password holding ';'
 * stays one statement.
 */
export function splitSql(text: string): string[] {
  const out: string[] = []
  let current = ''
  let i = 0
  while (i < text.length) {
    const ch = text[i]!
    if (ch === "'" || ch === '"' || ch === '`') {
      const end = closingQuote(text, i, ch)
      current += text.slice(i, end)
      i = end
    } else if (ch === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i)
      i = end === -1 ? text.length : end
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(text.slice(i))?.[0]
      const end = tag ? text.indexOf(tag, i + tag.length) : -1
      if (tag && end !== -1) {
        current += text.slice(i, end + tag.length)
        i = end + tag.length
      } else {
        current += ch
        i++
      }
    } else if (ch === ';') {
      if (current.trim() !== '') out.push(current.trim())
      current = ''
      i++
    } else {
      current += ch
      i++
    }
  }
  if (current.trim() !== '') out.push(current.trim())
  return out
}

function closingQuote(text: string, start: number, quote: string): number {
  let i = start + 1
  while (i < text.length) {
    if (text[i] === '\\' && quote !== '"') i += 2
    else if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2
      else return i + 1
    } else i++
  }
  return text.length
}

/** Replace {{key}} (spaces allowed inside the braces) with vars[key]; unknown keys are left as written. */
export function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*([A-Za-z_]+)\s*\}\}/g, (whole, key: string) =>
    Object.hasOwn(vars, key) ? vars[key]! : whole,
  )
}

/** Every statement of every entry, split and filled, ready to execute in order. */
export function renderStatements(statements: string[], vars: Record<string, string>): string[] {
  return statements.flatMap((entry) => splitSql(fill(entry, vars)))
}

/** Vault's {{expiration}} layout: "2006-01-02 15:04:05-0700" in UTC. */
export function formatExpiration(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}+0000`
}
