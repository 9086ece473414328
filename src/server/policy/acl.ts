// The compiled ACL: a token's policies merged once, then asked on every request what a path allows.

import { ROOT_POLICY_NAME } from './builtin-policies.ts'
import { eventTypeMatches } from './event-type-pattern.ts'
import type { Capability, PathRule, Policy } from './policy.ts'

export type AclOperation = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list'

export interface AclRequest {
  path: string
  operation: AclOperation
  data?: Record<string, unknown>
  /** TTL in seconds of the response wrapping the caller asked for; undefined when not wrapped. */
  wrapTtl?: number
}

export interface AclResult {
  allowed: boolean
  /** The matched rule grants sudo; callers require it on root-protected paths. */
  sudo: boolean
  /** Every capability of the rule that matched (sorted), even when the operation itself is refused. */
  capabilities: Capability[]
}

const BIT: Record<Capability, number> = {
  deny: 1,
  create: 2,
  read: 4,
  update: 8,
  delete: 16,
  list: 32,
  sudo: 64,
  patch: 128,
  subscribe: 256,
}
const SORTED_NAMES = (Object.keys(BIT) as Capability[]).sort()
const ROOT_CAPABILITIES = SORTED_NAMES.filter((name) => name !== 'deny')

/** One pattern's permissions after merging every policy that names it. */
interface Permissions {
  bits: number
  allowed: Map<string, unknown[]> | undefined
  denied: Map<string, unknown[]> | undefined
  required: string[]
  minWrap: number
  maxWrap: number
  names: Capability[]
  /** list_scan_response_keys_filter_path; '' for none. */
  listKeysFilterPath: string
  /** Event type patterns the subscribe capability covers; undefined = every type. */
  subscribeEventTypes: string[] | undefined
  /** Every policy rule merged into this pattern, in policy order: what access review names as granting it. */
  sources: RuleSource[]
}

/** One policy's rule, as written (its index among the policy's rules) and as compiled here. */
export interface RuleSource {
  policy: string
  index: number
  rule: PathRule
}

/** The rule that governs a path: its merged capabilities and the policy rules it was merged from. */
export interface GoverningRule {
  /** The pattern as the rules wrote it, leading '/' removed. */
  pattern: string
  /** Sorted capability names after the merge; ['deny'] when a deny rule took part. */
  capabilities: Capability[]
  denied: boolean
  sources: readonly RuleSource[]
}

/** A pattern with '+' segments, with the values Vault ranks competing matches by. */
interface SegmentRule extends Candidate {
  segments: string[]
  perms: Permissions
}

interface Candidate {
  /** UTF-8 byte offset of the first '+' (segment rules) or byte length of the prefix (prefix rules). */
  firstWildcard: number
  isPrefix: boolean
  wildcards: number
  /** The pattern without its trailing '*', as UTF-8. */
  stemBytes: Buffer
}

/**
 * Vault's ranking of two matching wildcard patterns; positive when `a` ranks higher. In order:
 * the later first wildcard wins, no trailing '*' beats one, fewer '+' win, longer wins, and
 * the lexicographically larger wins as a last, arbitrary tiebreak.
 */
function rank(a: Candidate, b: Candidate): number {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard - b.firstWildcard
  if (a.isPrefix !== b.isPrefix) return a.isPrefix ? -1 : 1
  if (a.wildcards !== b.wildcards) return b.wildcards - a.wildcards
  if (a.stemBytes.length !== b.stemBytes.length) return a.stemBytes.length - b.stemBytes.length
  return Buffer.compare(a.stemBytes, b.stemBytes)
}

/**
 * Vault's ranking measures and compares Go strings, that is UTF-8 bytes: len() of a path, strings.Index of its
 * first '+', and byte-wise ordering. UTF-16 lengths and JavaScript's `<` pick a different rule for non-ASCII paths.
 */
function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

function toMap(record: Record<string, unknown[]> | undefined): Map<string, unknown[]> | undefined {
  return record === undefined ? undefined : new Map(Object.entries(record).map(([k, v]) => [k, [...v]]))
}

/** Merge parameter constraints the way Vault does: an empty list (any value) absorbs the other side. */
function mergeParams(into: Map<string, unknown[]> | undefined, from: Map<string, unknown[]> | undefined) {
  if (!from || from.size === 0) return into
  if (!into) return new Map([...from].map(([k, v]) => [k, [...v]]))
  for (const [key, values] of from) {
    const existing = into.get(key)
    if (values.length === 0 || (existing !== undefined && existing.length === 0)) into.set(key, [])
    else into.set(key, [...values, ...(existing ?? [])])
  }
  return into
}

/** The smaller of two wrapping bounds where 0 means unset: the merge prefers the shortest lifetime. */
function lesser(existing: number, incoming: number): number {
  return incoming > 0 && (existing === 0 || incoming < existing) ? incoming : existing
}

function fromRule(rule: PathRule): Permissions {
  let bits = 0
  for (const cap of rule.capabilities) bits |= BIT[cap]
  if (bits & BIT.deny) bits = BIT.deny
  const deny = bits === BIT.deny
  return {
    bits,
    allowed: deny ? undefined : toMap(rule.allowedParameters),
    denied: deny ? undefined : toMap(rule.deniedParameters),
    required: [...(rule.requiredParameters ?? [])],
    minWrap: rule.minWrappingTtl ?? 0,
    maxWrap: rule.maxWrappingTtl ?? 0,
    names: [],
    listKeysFilterPath: deny ? '' : (rule.listKeysFilterPath ?? ''),
    subscribeEventTypes: rule.subscribeEventTypes && [...rule.subscribeEventTypes],
    sources: [],
  }
}

/** Rules granting subscribe add up; one without a type list covers every type, so the merge does too. */
function mergeEventTypes(existing: Permissions, incoming: Permissions): string[] | undefined {
  const had = (existing.bits & BIT.subscribe) !== 0
  const adds = (incoming.bits & BIT.subscribe) !== 0
  if (!adds) return existing.subscribeEventTypes
  if (!had) return incoming.subscribeEventTypes
  if (existing.subscribeEventTypes === undefined || incoming.subscribeEventTypes === undefined)
    return undefined
  return [...existing.subscribeEventTypes, ...incoming.subscribeEventTypes]
}

function merge(existing: Permissions, incoming: Permissions): void {
  if (existing.bits & BIT.deny) return
  if (incoming.bits & BIT.deny) {
    existing.bits = BIT.deny
    existing.allowed = undefined
    existing.denied = undefined
    return
  }
  existing.subscribeEventTypes = mergeEventTypes(existing, incoming)
  existing.bits |= incoming.bits
  existing.maxWrap = lesser(existing.maxWrap, incoming.maxWrap)
  existing.minWrap = lesser(existing.minWrap, incoming.minWrap)
  existing.allowed = mergeParams(existing.allowed, incoming.allowed)
  existing.denied = mergeParams(existing.denied, incoming.denied)
  for (const name of incoming.required) if (!existing.required.includes(name)) existing.required.push(name)
  // The first policy naming a filter path for the pattern keeps it, as OpenBao merges them.
  if (existing.listKeysFilterPath === '') existing.listKeysFilterPath = incoming.listKeysFilterPath
}

/** A policy parameter value matches a request value: strings by Vault's "*" prefix/suffix glob, others by value. */
function valueMatches(pattern: unknown, value: unknown): boolean {
  if (typeof pattern === 'string' && typeof value === 'string') {
    if (pattern.length < 2) return pattern === value
    const lead = pattern.startsWith('*')
    const trail = pattern.endsWith('*')
    if (lead && trail) return value.includes(pattern.slice(1, -1))
    if (lead) return value.endsWith(pattern.slice(1))
    if (trail) return value.startsWith(pattern.slice(0, -1))
    return pattern === value
  }
  return deepEqual(pattern, value)
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  )
}

function inList(value: unknown, list: unknown[]): boolean {
  return list.length === 0 || list.some((pattern) => valueMatches(pattern, value))
}

/**
 * The elements a string value may stand for: Vault reads any string as a comma-separated list too (parameters such
 * as `policies` accept "a,b" for ["a", "b"]), each element trimmed, so "default,root" cannot slip past a rule on
 * "root". Empty for the empty string.
 */
function commaElements(value: string): string[] {
  return value === '' ? [] : value.split(',').map((part) => part.trim())
}

/**
 * Allowed-parameter check, as Vault's: the value equals an entry, or it is a list (or comma-separated string) whose
 * every element is permitted. Unlike Vault, an empty list or string is not waved through by a value list.
 */
function permitted(value: unknown, list: unknown[]): boolean {
  if (inList(value, list)) return true
  const items = Array.isArray(value) ? value : typeof value === 'string' ? commaElements(value) : []
  return items.length > 0 && items.every((item) => inList(item, list))
}

/** Denied-parameter check, as Vault's: refused if the value, or any element of a list or comma-separated string, is. */
function forbidden(value: unknown, list: unknown[]): boolean {
  if (inList(value, list)) return true
  const items = Array.isArray(value) ? value : typeof value === 'string' ? commaElements(value) : []
  return items.some((item) => inList(item, list))
}

function checkParameters(perms: Permissions, data: Record<string, unknown>): boolean {
  for (const name of perms.required) if (!Object.hasOwn(data, name.toLowerCase())) return false
  const keys = Object.keys(data)
  if (keys.length === 0) return true
  const denied = perms.denied
  if (denied && denied.size > 0) {
    if (denied.has('*')) return false
    for (const key of keys) {
      const list = denied.get(key.toLowerCase())
      if (list && forbidden(data[key], list)) return false
    }
  }
  const allowed = perms.allowed
  if (!allowed || allowed.size === 0) return true
  const anyKey = allowed.has('*')
  if (anyKey && allowed.size === 1) return true
  for (const key of keys) {
    const list = allowed.get(key.toLowerCase())
    if (list === undefined) {
      if (!anyKey) return false
    } else if (!permitted(data[key], list)) return false
  }
  return true
}

/** Paths whose decision an Acl remembers before it starts over. */
const MEMO_LIMIT = 4096

export class Acl {
  readonly #root: boolean
  readonly #exact = new Map<string, Permissions>()
  readonly #prefix = new Map<string, Permissions>()
  /** Distinct prefix lengths, longest first, so a lookup probes only lengths that exist. */
  readonly #prefixLengths: number[]
  /** Highest-ranked first, so the first match is the one Vault would pick among them. */
  readonly #segment: SegmentRule[]

  constructor(policies: readonly Policy[]) {
    this.#root = policies.some((policy) => policy.name === ROOT_POLICY_NAME)
    const segment = new Map<string, Permissions>()
    for (const policy of policies) {
      for (const [index, rule] of policy.rules.entries()) {
        const path = rule.pattern.replace(/^\/+/, '')
        const hasSegmentWildcard = path.split('/').includes('+')
        let table = this.#exact
        let key = path
        if (hasSegmentWildcard) table = segment
        else if (path.endsWith('*')) {
          table = this.#prefix
          key = path.slice(0, -1)
        }
        const perms = fromRule(rule)
        const source = { policy: policy.name, index, rule }
        const existing = table.get(key)
        if (existing) {
          merge(existing, perms)
          existing.sources.push(source)
        } else {
          perms.sources.push(source)
          table.set(key, perms)
        }
      }
    }
    for (const table of [this.#exact, this.#prefix, segment]) {
      for (const perms of table.values()) perms.names = SORTED_NAMES.filter((name) => perms.bits & BIT[name])
    }
    this.#prefixLengths = [...new Set([...this.#prefix.keys()].map((k) => k.length))].sort((a, b) => b - a)
    this.#segment = [...segment].map(([pattern, perms]) => {
      const isPrefix = pattern.endsWith('*')
      const stem = isPrefix ? pattern.slice(0, -1) : pattern
      const segments = stem.split('/')
      // strings.Index(path, "+") in Vault: the first '+' character, in bytes.
      const firstWildcard = utf8Length(pattern.slice(0, pattern.indexOf('+')))
      const wildcards = segments.filter((s) => s === '+').length
      return { segments, isPrefix, firstWildcard, wildcards, stemBytes: Buffer.from(stem, 'utf8'), perms }
    })
    this.#segment.sort((a, b) => rank(b, a))
  }

  get isRoot(): boolean {
    return this.#root
  }

  /** Decide one request; `sudo` and `capabilities` describe the matched rule even when it refuses. */
  authorize(request: AclRequest): AclResult {
    if (this.#root) return { allowed: true, sudo: true, capabilities: [...ROOT_CAPABILITIES] }
    // A create names a path that holds nothing yet, usually never looked up before: remembering it would cost more
    // than the lookup (and push out paths that are read), so it is decided afresh; reads of it later remember it.
    const perms =
      request.operation === 'create'
        ? this.#find(request.path, false)
        : this.#lookup(request.path, request.operation === 'list')
    if (!perms) return { allowed: false, sudo: false, capabilities: [] }
    const result: AclResult = {
      allowed: false,
      sudo: (perms.bits & BIT.sudo) !== 0,
      capabilities: [...perms.names],
    }
    if ((perms.bits & BIT[request.operation]) === 0 || perms.bits & BIT.deny) return result
    if (perms.maxWrap > 0 && (request.wrapTtl === undefined || request.wrapTtl > perms.maxWrap)) return result
    if (perms.minWrap > 0 && (request.wrapTtl === undefined || request.wrapTtl < perms.minWrap)) return result
    // Merging policies can leave an impossible window even though each path statement was valid.
    if (perms.minWrap > 0 && perms.maxWrap > 0 && perms.maxWrap < perms.minWrap) return result
    // Vault checks parameters on read too (query parameters), not on delete or list.
    if (request.operation !== 'delete' && request.operation !== 'list') {
      if (!checkParameters(perms, request.data ?? {})) return result
    }
    result.allowed = true
    return result
  }

  /**
   * The rule `authorize` would decide `path` by (looked up as a list when `isList`), with the policy rules merged
   * into it; undefined when no rule matches. Access review asks this so its answers follow real authorisation.
   * A root ACL has no rules: callers check `isRoot` first.
   */
  governingRule(path: string, isList: boolean): GoverningRule | undefined {
    if (this.#root) return undefined
    const perms = this.#lookup(path, isList)
    if (!perms) return undefined
    const first = perms.sources[0]
    return {
      pattern: first ? first.rule.pattern.replace(/^\/+/, '') : '',
      capabilities: [...perms.names],
      denied: (perms.bits & BIT.deny) !== 0,
      sources: perms.sources,
    }
  }

  /**
   * Every compiled rule with its merged capabilities, as Vault's sys/internal/ui/resultant-acl lists them: exact
   * paths, and glob paths keyed by their prefix without the final '*'. Root has no rules.
   */
  resultant(): { exact: Map<string, string[]>; glob: Map<string, string[]> } {
    const exact = new Map<string, string[]>()
    const glob = new Map<string, string[]>()
    if (this.#root) return { exact, glob }
    for (const [path, perms] of this.#exact) exact.set(path, [...perms.names])
    for (const [stem, perms] of this.#prefix) glob.set(stem, [...perms.names])
    for (const rule of this.#segment)
      (rule.isPrefix ? glob : exact).set(rule.segments.join('/'), [...rule.perms.names])
    return { exact, glob }
  }

  /**
   * The list_scan_response_keys_filter_path of the rule governing a LIST of `path` (OpenBao's per-policy
   * filter), or undefined when that rule has none. Root has no rules and so no filter.
   */
  listKeysFilterPath(path: string): string | undefined {
    if (this.#root) return undefined
    const perms = this.#lookup(path, true)
    if (!perms || perms.bits & BIT.deny) return undefined
    return perms.listKeysFilterPath || undefined
  }

  /**
   * Whether an event of `eventType` whose data path is `dataPath` may reach this token (Vault's event
   * authorisation): the governing rule grants `subscribe` and its subscribe_event_types, if any, match the type.
   * It must also grant `read` or `list` there (Vault's examples pair subscribe with list): a subscriber never
   * learns of a path it could not look at.
   */
  allowsEvent(dataPath: string, eventType: string): boolean {
    if (this.#root) return true
    const perms = this.#lookup(dataPath, false)
    if (!perms || perms.bits & BIT.deny || !(perms.bits & BIT.subscribe)) return false
    if (!(perms.bits & (BIT.read | BIT.list))) return false
    const types = perms.subscribeEventTypes
    return types === undefined || types.some((pattern) => eventTypeMatches(pattern, eventType))
  }

  /**
   * Vault's hasMountAccess: whether the token may learn that a mount at `mountPath` (ending in '/') exists. True
   * when the rule governing the mount path itself grants anything, or a merged rule below it grants a capability
   * other than subscribe, or a '+' rule could reach into it. Merged rules count: a path one policy grants and
   * another denies reveals nothing, nor does a broad glob whose part under the mount a deny governs.
   */
  reachesMount(mountPath: string): boolean {
    if (this.#root) return true
    if (!this.capabilities(mountPath).includes('deny')) return true
    for (const [path, perms] of this.#exact)
      if (path.startsWith(mountPath) && grantsAccess(perms)) return true
    for (const [stem, perms] of this.#prefix)
      if (stem.startsWith(mountPath) && grantsAccess(perms)) return true
    return this.#segment.some((rule) => grantsAccess(rule.perms) && segmentReachesMount(rule, mountPath))
  }

  /** What sys/capabilities reports: ['root'], ['deny'] when nothing is granted, or the sorted capability names. */
  capabilities(path: string): string[] {
    if (this.#root) return ['root']
    // Vault answers as for a list, so a trailing slash falls back to the bare path.
    const perms = this.#lookup(path, true)
    if (!perms || perms.bits & BIT.deny || perms.bits === 0) return ['deny']
    return [...perms.names]
  }

  /**
   * The governing rule of each path looked up, by path and list flag. An Acl never changes once built (a policy
   * change builds a new one), so a memo on it cannot outlive a grant; parameter and wrapping-TTL checks still run
   * on every request against the memoised rule. Bounded: emptied when full.
   */
  readonly #memo = new Map<string, Permissions | null>()

  #lookup(rawPath: string, isList: boolean): Permissions | undefined {
    const key = isList ? `L${rawPath}` : `R${rawPath}`
    const memo = this.#memo.get(key)
    if (memo !== undefined) return memo ?? undefined
    const found = this.#find(rawPath, isList)
    if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear()
    this.#memo.set(key, found ?? null)
    return found
  }

  #find(rawPath: string, isList: boolean): Permissions | undefined {
    let path = rawPath
    while (path.startsWith('/')) path = path.slice(1)
    const exact = this.#exact.get(path)
    if (exact) return exact
    const trimmed = path.endsWith('/') ? path.slice(0, -1) : undefined
    if (isList && trimmed !== undefined) {
      const bare = this.#exact.get(trimmed)
      if (bare) return bare
    }
    const found = this.#nonExact(path)
    if (found) return found
    // A list of "foo/" may be governed by a rule for "foo"; any such rule ranks below one for "foo/".
    if (isList && trimmed !== undefined) return this.#nonExact(trimmed)
    return undefined
  }

  #nonExact(path: string): Permissions | undefined {
    let prefix: Candidate | undefined
    let prefixPerms: Permissions | undefined
    for (const length of this.#prefixLengths) {
      if (length > path.length) continue
      const stem = path.slice(0, length)
      const perms = this.#prefix.get(stem)
      if (perms) {
        prefixPerms = perms
        // Ranked against segment rules only, so built only when there are some.
        if (this.#segment.length > 0)
          prefix = {
            firstWildcard: utf8Length(stem),
            isPrefix: true,
            wildcards: 0,
            stemBytes: Buffer.from(stem),
          }
        break
      }
    }
    if (this.#segment.length === 0) return prefixPerms
    const parts = path.split('/')
    for (const rule of this.#segment) {
      if (!segmentsMatch(rule, parts)) continue
      // The first matching segment rule is the best of its kind; the longest prefix rule may still outrank it.
      return prefix && prefixPerms && rank(prefix, rule) > 0 ? prefixPerms : rule.perms
    }
    return prefixPerms
  }
}

/** The capabilities that make a rule below a mount reveal it, as Vault's hasMountAccess lists them. */
const ACCESS_BITS = BIT.create | BIT.read | BIT.update | BIT.patch | BIT.delete | BIT.list | BIT.sudo

function grantsAccess(perms: Permissions): boolean {
  return (perms.bits & BIT.deny) === 0 && (perms.bits & ACCESS_BITS) !== 0
}

/**
 * Vault's bare-mount walk of a '+' rule: the rule's segments are laid over the mount path's, each '+' taking the
 * mount's segment, and the rule reaches the mount when what it built up to the mount's last segment starts with
 * the mount path. A rule shorter than the mount path never reaches it.
 */
function segmentReachesMount(rule: SegmentRule, mountPath: string): boolean {
  const parts = mountPath.split('/')
  if (parts.length < 2) return false
  const built: string[] = []
  const last = rule.segments.length - 1
  for (let i = 0; i <= last; i++) {
    const seg = rule.segments[i] as string
    const part = parts[i] as string
    if (seg === '+' || seg === part) built.push(part)
    else if (rule.isPrefix && i === last && part.startsWith(seg)) built.push(...parts.slice(i))
    if (i === parts.length - 2) return `${built.join('/')}/`.startsWith(mountPath)
  }
  return false
}

function segmentsMatch(rule: SegmentRule, parts: string[]): boolean {
  const segments = rule.segments
  if (parts.length < segments.length) return false
  if (!rule.isPrefix && parts.length !== segments.length) return false
  const last = segments.length - 1
  for (let i = 0; i <= last; i++) {
    const seg = segments[i] as string
    const part = parts[i] as string
    if (seg === '+' || seg === part) continue
    if (rule.isPrefix && i === last && part.startsWith(seg)) continue
    return false
  }
  return true
}
