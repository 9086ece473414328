// A declared field as an OpenAPI schema and as help text: its type, its description, and a default only when safe.
import type { Field } from '../fields.ts'
import type { OpenApiSchema } from './openapi-document.ts'

/** Field kinds in OpenAPI terms, following Vault's convertType (a duration is a string such as "1h" or "3600"). */
const SCHEMAS: Record<string, OpenApiSchema> = {
  string: { type: 'string' },
  int: { type: 'integer' },
  bool: { type: 'boolean' },
  duration: { type: 'string', format: 'duration' },
  list: { type: 'array', items: { type: 'string' } },
  map: { type: 'object', format: 'map' },
}

/** Field kinds as Vault's help names its field types. */
const HELP_TYPES: Record<string, string> = {
  string: 'string',
  int: 'int',
  bool: 'bool',
  duration: 'duration (sec)',
  list: 'comma-string slice',
  map: 'map',
  any: 'any',
}

/** What a field is, for people: its own description, or one made from its name ("token_ttl" → "Token ttl."). */
export function fieldDescription(name: string, field: Field<unknown> | undefined, inPath = false): string {
  const own = field?.description.trim().replace(/\s+/g, ' ')
  if (own) return own
  const words = name.replace(/[_-]+/g, ' ').trim()
  const sentence = `${words.charAt(0).toUpperCase()}${words.slice(1)}.`
  return inPath ? `${sentence} Taken from the request path.` : sentence
}

export function helpType(field: Field<unknown> | undefined): string {
  return field ? (HELP_TYPES[field.kind] ?? field.kind) : 'string'
}

/**
 * The field's schema. A sensitive field's default is never shown, and the field is marked sensitive as Vault's
 * display attributes mark it, so a UI masks what is typed into it.
 */
export function fieldSchema(name: string, field: Field<unknown> | undefined, inPath = false): OpenApiSchema {
  const schema: OpenApiSchema = { ...(field ? (SCHEMAS[field.kind] ?? {}) : { type: 'string' }) }
  if (schema.items) schema.items = { ...schema.items }
  schema.description = fieldDescription(name, field, inPath)
  if (field && !field.sensitive && isShowable(field.default)) schema.default = field.default
  if (field?.sensitive) schema['x-vault-displayAttrs'] = { sensitive: true }
  return schema
}

/** Only plain defaults (numbers, booleans, short strings, lists of them) are worth showing; never objects. */
function isShowable(value: unknown): boolean {
  if (value === undefined || value === null) return false
  if (Array.isArray(value)) return value.length > 0 && value.every((item) => isShowable(item))
  return (
    typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value !== '')
  )
}
