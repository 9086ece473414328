// A role's claims template for identity tokens: JSON with {{…}} parameters filled from the requester's identity.
import { parseDuration } from '../../../../lib/duration.ts'
import type { TemplateIdentity } from '../../../policy/template.ts'

/** Claims a template may not set: Vault keeps these for the token itself (its `reservedClaims`). */
export const RESERVED_CLAIMS = [
  'iat',
  'aud',
  'exp',
  'iss',
  'sub',
  'namespace',
  'nonce',
  'auth_time',
  'at_hash',
  'c_hash',
] as const

/** Why a template cannot be filled; the message is Vault's. */
export class TemplateError extends Error {}

const NOT_FOUND = 'no value could be found for one of the template directives'

/** An identity with no data, as Vault checks a template when a role is written. */
const EMPTY: TemplateIdentity = { entity: { id: '', name: '', metadata: {}, aliases: [] }, groups: [] }

/**
 * Vault's identitytpl JSON mode: strings come out quoted, maps as objects and lists as arrays, so a parameter
 * stands for a whole JSON value. A missing group list renders `null`, as Go marshals a nil slice.
 */
function jsonValue(value: string | string[] | null | Record<string, string>, key?: string): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (Array.isArray(value) || value === null) return JSON.stringify(value)
  if (key !== undefined) return JSON.stringify(Object.hasOwn(value, key) ? value[key] : '')
  return JSON.stringify(value)
}

function aliasValue(selector: string, identity: TemplateIdentity): string {
  const dot = selector.indexOf('.')
  if (dot < 0) throw new TemplateError('invalid alias selector')
  const accessor = selector.slice(0, dot)
  const field = selector.slice(dot + 1)
  // JSON mode fills a missing alias with empty values instead of failing (an ACL template would fail).
  const alias = identity.entity.aliases.find((a) => a.mountAccessor === accessor) ?? {
    id: '',
    name: '',
    metadata: {},
    customMetadata: {},
  }
  if (field === 'id') return jsonValue(alias.id)
  if (field === 'name') return jsonValue(alias.name)
  if (field === 'metadata') return jsonValue(alias.metadata)
  if (field.startsWith('metadata.')) return jsonValue(alias.metadata, field.slice('metadata.'.length))
  if (field === 'custom_metadata') return jsonValue(alias.customMetadata)
  if (field.startsWith('custom_metadata.'))
    return jsonValue(alias.customMetadata, field.slice('custom_metadata.'.length))
  throw new TemplateError(NOT_FOUND)
}

function entityValue(selector: string, identity: TemplateIdentity): string {
  const { entity, groups } = identity
  if (selector === 'id') return jsonValue(entity.id)
  if (selector === 'name') return jsonValue(entity.name)
  if (selector === 'metadata') return jsonValue(entity.metadata)
  if (selector.startsWith('metadata.')) return jsonValue(entity.metadata, selector.slice('metadata.'.length))
  if (selector === 'groups.names') return jsonValue(groups.length ? groups.map((g) => g.name) : null)
  if (selector === 'groups.ids') return jsonValue(groups.length ? groups.map((g) => g.id) : null)
  if (selector.startsWith('aliases.')) return aliasValue(selector.slice('aliases.'.length), identity)
  throw new TemplateError(NOT_FOUND)
}

/**
 * identity.groups.ids.<id>.… and identity.groups.names.<name>.…: as in Vault these come out unquoted, and with
 * no groups at all they fail, which is why Vault refuses them when a role is written.
 */
function groupValue(selector: string, identity: TemplateIdentity): string {
  if (identity.groups.length === 0)
    throw new TemplateError('string contains groups template directives but no groups were provided')
  const [kind, rest] = splitOnce(selector)
  if (rest === undefined || (kind !== 'ids' && kind !== 'names'))
    throw new TemplateError('invalid groups selector')
  const [which, field] = splitOnce(rest)
  if (field === undefined) throw new TemplateError('invalid groups accessor')
  const group = identity.groups.find((g) => (kind === 'ids' ? g.id : g.name) === which)
  if (!group) throw new TemplateError(`entity is not a member of group "${which}"`)
  if (field === 'id') return group.id
  if (field === 'name' && group.name !== '') return group.name
  if (field.startsWith('metadata.')) {
    const key = field.slice('metadata.'.length)
    if (Object.hasOwn(group.metadata, key)) return group.metadata[key]!
  }
  throw new TemplateError(NOT_FOUND)
}

function timeValue(selector: string, nowMs: number): string {
  const parts = selector.split('.')
  if (parts[0] !== 'now') throw new TemplateError(`invalid time selector "${parts[0]}"`)
  let seconds = Math.floor(nowMs / 1000)
  if (parts.length === 2) throw new TemplateError('missing time operand')
  if (parts.length >= 3) {
    let offset: number
    try {
      offset = parseDuration(parts.slice(2).join('.'), 'duration')
    } catch (error) {
      throw new TemplateError(`invalid duration: ${(error as Error).message}`)
    }
    if (parts[1] === 'plus') seconds += offset
    else if (parts[1] === 'minus') seconds -= offset
    else throw new TemplateError(`invalid time operator "${parts[1]}"`)
  }
  return String(seconds)
}

function splitOnce(text: string): [string, string | undefined] {
  const dot = text.indexOf('.')
  return dot < 0 ? [text, undefined] : [text.slice(0, dot), text.slice(dot + 1)]
}

function directive(expression: string, identity: TemplateIdentity, nowMs: number): string {
  if (expression.startsWith('identity.entity.'))
    return entityValue(expression.slice('identity.entity.'.length), identity)
  if (expression.startsWith('identity.groups.'))
    return groupValue(expression.slice('identity.groups.'.length), identity)
  if (expression.startsWith('time.')) return timeValue(expression.slice('time.'.length), nowMs)
  throw new TemplateError(NOT_FOUND)
}

/** The template with every {{…}} filled in (still text: the caller parses it as JSON). */
export function populateTemplate(template: string, identity: TemplateIdentity, nowMs: number): string {
  const pieces = template.split('{{')
  if (pieces[0]!.includes('}}')) throw new TemplateError('unbalanced templating characters')
  let out = pieces[0]!
  for (const piece of pieces.slice(1)) {
    const parts = piece.split('}}')
    if (parts.length !== 2) throw new TemplateError('unbalanced templating characters')
    const value = directive(parts[0]!.trim(), identity, nowMs)
    // Current Vault refuses a filled-in value holding a glob character in every templating mode.
    if (value.includes('*') || value.includes('+'))
      throw new TemplateError('globs and wildcards are not allowed in template result')
    out += value + parts[1]
  }
  return out
}

/** Vault tries base64 first and keeps the decoded text when the whole template is valid standard base64. */
export function decodeTemplate(template: string): string {
  const compact = template.replace(/[\r\n]/g, '')
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return template
  return Buffer.from(compact, 'base64').toString('utf8')
}

/** Checks a role's template as Vault does when the role is written; returns the message Vault would give. */
export function templateProblem(template: string): string | undefined {
  if (template === '') return undefined
  let populated: string
  try {
    populated = populateTemplate(template, EMPTY, 0)
  } catch (error) {
    return `error parsing template: ${(error as Error).message}`
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(populated)
  } catch (error) {
    return `error parsing template JSON: ${(error as Error).message}`
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return 'error parsing template JSON: the template must be a JSON object'
  for (const key of Object.keys(parsed))
    if ((RESERVED_CLAIMS as readonly string[]).includes(key))
      return `top level key "${key}" not allowed. Restricted keys: ${RESERVED_CLAIMS.join(', ')}`
  return undefined
}

/**
 * The claims the template adds for this identity. As in Vault, a template that fails now (a value that cannot
 * be filled) adds nothing rather than failing the request, and reserved claims are never overwritten.
 */
export function templateClaims(
  template: string,
  identity: TemplateIdentity,
  nowMs: number,
): { claims: Record<string, unknown>; problem?: string } {
  if (template === '') return { claims: {} }
  let parsed: unknown
  try {
    parsed = JSON.parse(populateTemplate(template, identity, nowMs))
  } catch (error) {
    return { claims: {}, problem: (error as Error).message }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return { claims: {}, problem: 'template is not a JSON object' }
  // fromEntries defines each claim as its own property: an assignment to `__proto__` would drop that claim.
  const claims = Object.fromEntries(
    Object.entries(parsed).filter(([key]) => !(RESERVED_CLAIMS as readonly string[]).includes(key)),
  )
  return { claims }
}
