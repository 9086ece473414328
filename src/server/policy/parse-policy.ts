// Turns policy text (HCL, JSON, or either base64-encoded) into validated path rules.
import { parseDuration } from '../../lib/duration.ts'
import { type HclBody, HclSyntaxError, parseHcl } from '../../lib/hcl.ts'
import { DEFAULT_MAX_JSON_DEPTH, exceedsJsonDepth, jsonDepthMessage } from '../../lib/json-depth.ts'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { listKeysFilterPathProblem } from './list-keys-filter-path.ts'
import { CAPABILITIES, type Capability, type PathRule, type Policy } from './policy.ts'

const PREFIX = 'failed to parse policy'
const PATH_KEYS = new Set([
  'capabilities',
  'policy',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'comment',
  'list_scan_response_keys_filter_path',
  'subscribe_event_types',
])
const CAPABILITY_SET: ReadonlySet<string> = new Set(CAPABILITIES)

/** Vault's pre-0.5 `policy = "..."` shorthand, expanded to the capabilities it has always meant. */
const LEGACY_POLICIES: Record<string, Capability[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
}

interface RawRule {
  pattern: string
  body: Record<string, unknown>
}

function fail(problem: string): never {
  throw new InvalidRequestError(`${PREFIX}: ${problem}`)
}

/** Define a key without consulting the prototype chain, so "__proto__" or "constructor" stay plain data. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Policy names become storage keys and URL segments, so keep them out of path tricks. */
export function validatePolicyName(name: string): void {
  if (name.trim() === '') throw new InvalidRequestError('policy name must not be empty')
  if (name.includes('..')) throw new InvalidRequestError('policy name must not contain ".."')
}

/**
 * Vault decodes a policy body that is valid standard base64 and uses the result; plain HCL or
 * JSON never is (quotes, braces, spaces), so the check cannot misfire on a real policy.
 */
function decodeBase64Policy(text: string): string | undefined {
  const compact = text.replace(/[\r\n]/g, '')
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64'))
  } catch {
    return undefined
  }
}

function hclBlockToObject(body: HclBody, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body.attributes }
  for (const block of body.blocks) {
    // HCL1 lets `allowed_parameters { ... }` stand for `allowed_parameters = { ... }`.
    if (block.labels.length > 0 || block.body.blocks.length > 0 || Object.hasOwn(out, block.type)) {
      fail(`${where}: unexpected block ${JSON.stringify(block.type)} on line ${block.line}`)
    }
    setOwn(out, block.type, block.body.attributes)
  }
  return out
}

function rulesFromHcl(text: string): RawRule[] {
  let body: HclBody
  try {
    body = parseHcl(text)
  } catch (error) {
    if (error instanceof HclSyntaxError) fail(error.message)
    throw error
  }
  for (const key of Object.keys(body.attributes)) {
    if (key !== 'name') fail(`invalid key ${JSON.stringify(key)} at the top level`)
  }
  return body.blocks.map((block) => {
    if (block.type !== 'path') fail(`invalid key ${JSON.stringify(block.type)} on line ${block.line}`)
    if (block.labels.length !== 1) fail(`path block on line ${block.line} needs exactly one quoted path`)
    const pattern = block.labels[0] as string
    return { pattern, body: hclBlockToObject(block.body, `path ${JSON.stringify(pattern)}`) }
  })
}

function rulesFromJson(text: string): RawRule[] {
  // Checked before parsing: the parser would build the deep value and later walks would overflow on it.
  if (exceedsJsonDepth(text, DEFAULT_MAX_JSON_DEPTH))
    fail(jsonDepthMessage('the policy', DEFAULT_MAX_JSON_DEPTH))
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    // Node's message quotes the input, so keep only where it went wrong.
    const where = /line \d+ column \d+/.exec((error as Error).message)?.[0]
    fail(`invalid JSON${where ? ` at ${where}` : ''}`)
  }
  if (!isObject(doc)) fail('a JSON policy must be an object')
  const rules: RawRule[] = []
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'name') continue
    if (key !== 'path') fail(`invalid key ${JSON.stringify(key)} at the top level`)
    const groups = Array.isArray(value) ? value : [value]
    for (const group of groups) {
      if (!isObject(group)) fail('"path" must map each path to an object of settings')
      for (const [pattern, settings] of Object.entries(group)) {
        const bodies = Array.isArray(settings) ? settings : [settings]
        for (const body of bodies) {
          if (!isObject(body)) fail(`path ${JSON.stringify(pattern)}: settings must be an object`)
          rules.push({ pattern, body })
        }
      }
    }
  }
  return rules
}

function stringList(value: unknown, where: string, key: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    fail(`${where}: ${key} must be a list of strings`)
  }
  return value
}

function parameterMap(value: unknown, where: string, key: string): Record<string, unknown[]> {
  if (!isObject(value)) fail(`${where}: ${key} must be an object of parameter names to lists of values`)
  const out: Record<string, unknown[]> = {}
  for (const [name, values] of Object.entries(value)) {
    if (!Array.isArray(values))
      fail(`${where}: ${key}.${name} must be a list of values (use [] for any value)`)
    const lower = name.toLowerCase()
    // Keys differing only in case collapse together, as Vault lower-cases them. An empty list (any value) absorbs
    // the other, as when policies merge: a denied "ttl" = [] must not shrink to the values a "TTL" entry lists.
    const earlier = Object.hasOwn(out, lower) ? (out[lower] as unknown[]) : undefined
    setOwn(
      out,
      lower,
      earlier === undefined
        ? [...values]
        : earlier.length === 0 || values.length === 0
          ? []
          : [...earlier, ...values],
    )
  }
  return out
}

function wrappingTtl(value: unknown, where: string, key: string): number {
  try {
    return parseDuration(value, key)
  } catch {
    return fail(`${where}: ${key} must be a duration such as "90s" or 90`)
  }
}

/** OpenBao's per-rule LIST filter template; an empty string means none, as there. */
function listKeysFilterPath(value: unknown, where: string, pattern: string): string | undefined {
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') fail(`${where}: list_scan_response_keys_filter_path must be a string`)
  const problem = listKeysFilterPathProblem(value, pattern.endsWith('*') ? pattern.slice(0, -1) : pattern)
  if (problem) fail(`${where}: list_scan_response_keys_filter_path: ${problem}`)
  return value
}

function validatePattern(raw: string): string {
  const pattern = raw.startsWith('/') ? raw.slice(1) : raw
  const where = `path ${JSON.stringify(raw)}`
  if (pattern === '') fail(`${where}: the path must not be empty`)
  if (pattern.includes('+*')) fail(`${where}: invalid use of wildcards ('+*' is forbidden)`)
  return pattern
}

function buildRule(raw: RawRule): PathRule {
  const pattern = validatePattern(raw.pattern)
  const where = `path ${JSON.stringify(raw.pattern)}`
  const body = raw.body
  for (const key of Object.keys(body)) {
    if (!PATH_KEYS.has(key)) fail(`${where}: invalid key ${JSON.stringify(key)}`)
  }
  const names: string[] = []
  if (body['policy'] !== undefined) {
    // Own keys only: "constructor" would find Object.prototype's function and crash the spread below.
    const legacy =
      typeof body['policy'] === 'string' && Object.hasOwn(LEGACY_POLICIES, body['policy'])
        ? LEGACY_POLICIES[body['policy']]
        : undefined
    if (!legacy)
      fail(`${where}: invalid policy ${JSON.stringify(body['policy'])} (use read, write, deny or sudo)`)
    names.push(...legacy)
  }
  if (body['capabilities'] !== undefined)
    names.push(...stringList(body['capabilities'], where, 'capabilities'))
  if (body['comment'] !== undefined && typeof body['comment'] !== 'string')
    fail(`${where}: comment must be a string`)
  const capabilities = new Set<Capability>()
  for (const name of names) {
    if (!CAPABILITY_SET.has(name)) fail(`${where}: invalid capability ${JSON.stringify(name)}`)
    capabilities.add(name as Capability)
  }

  const rule: PathRule = { pattern, capabilities }
  if (body['allowed_parameters'] !== undefined) {
    rule.allowedParameters = parameterMap(body['allowed_parameters'], where, 'allowed_parameters')
  }
  if (body['denied_parameters'] !== undefined) {
    rule.deniedParameters = parameterMap(body['denied_parameters'], where, 'denied_parameters')
  }
  if (body['required_parameters'] !== undefined) {
    const required = stringList(body['required_parameters'], where, 'required_parameters')
    if (required.length > 0) rule.requiredParameters = required
  }
  if (body['min_wrapping_ttl'] !== undefined) {
    rule.minWrappingTtl = wrappingTtl(body['min_wrapping_ttl'], where, 'min_wrapping_ttl')
  }
  if (body['max_wrapping_ttl'] !== undefined) {
    rule.maxWrappingTtl = wrappingTtl(body['max_wrapping_ttl'], where, 'max_wrapping_ttl')
  }
  if (rule.minWrappingTtl && rule.maxWrappingTtl && rule.maxWrappingTtl < rule.minWrappingTtl) {
    fail(`${where}: max_wrapping_ttl cannot be less than min_wrapping_ttl`)
  }
  // deny overrides every other setting on the path, so nothing else is kept (as Vault does).
  if (capabilities.has('deny')) return { pattern, capabilities: new Set(['deny']) }
  if (body['subscribe_event_types'] !== undefined) {
    const types = stringList(body['subscribe_event_types'], where, 'subscribe_event_types')
    if (!capabilities.has('subscribe'))
      fail(`${where}: subscribe_event_types needs to be used on a path with the subscribe capability`)
    rule.subscribeEventTypes = types
  }
  const filterPath = listKeysFilterPath(body['list_scan_response_keys_filter_path'], where, pattern)
  if (filterPath !== undefined) {
    if (!capabilities.has('list'))
      fail(
        `${where}: list_scan_response_keys_filter_path needs to be used on a path with the list capability`,
      )
    rule.listKeysFilterPath = filterPath
  }
  return rule
}

/**
 * Vault (policy.go parsePaths) only treats a trailing '*' as a glob; one anywhere else is a literal character and
 * the policy is accepted. Vault says nothing; Coffer warns, since such a rule matches almost no real path.
 */
function literalStarWarning(pattern: string): string | undefined {
  const body = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern
  if (!body.includes('*')) return undefined
  return `path ${JSON.stringify(pattern)}: only a trailing '*' is a wildcard; any other '*' matches a literal '*' character`
}

/** Parse and validate a policy; every problem is an InvalidRequestError naming the path and the fault. */
export function parsePolicy(name: string, text: string): Policy {
  validatePolicyName(name)
  if (typeof text !== 'string' || text.trim() === '')
    throw new InvalidRequestError("'policy' parameter not supplied or empty")
  const raw = decodeBase64Policy(text.trim()) ?? text
  if (raw.trim() === '') throw new InvalidRequestError("'policy' parameter not supplied or empty")
  const rawRules = raw.trimStart().startsWith('{') ? rulesFromJson(raw) : rulesFromHcl(raw)
  const rules = rawRules.map(buildRule)
  const warnings = [
    ...new Set(rules.map((rule) => literalStarWarning(rule.pattern)).filter((w) => w !== undefined)),
  ]
  return { name, raw, rules, ...(warnings.length > 0 ? { warnings } : {}) }
}
