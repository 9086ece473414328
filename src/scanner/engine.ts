// The scanning engine: rules compiled once, a single keyword pass per text, rules run only on hit lines.
import { createHash } from 'node:crypto'
import { forEachCandidate } from './candidates.ts'
import { shannonEntropy } from './entropy.ts'
import { fileKind } from './file-kind.ts'
import { extractAssignments, GENERIC_IDS } from './generic.ts'
import { maskSecret } from './mask.ts'
import { isDocumentedExample, isPlaceholder, lineMarkedFake } from './placeholders.ts'
import { BUILTIN_RULES } from './rules/index.ts'
import type { CandidateMatcher, FileKind, Finding, RawMatch, Rule } from './types.ts'

/** Bytes of text after a keyword line that a multi-line rule (a PEM block) may cover. */
const MULTILINE_SPAN = 20_000
const ALLOW_MARKER = 'coffer:allow'
const VETO = ''

interface Compiled {
  rule: Rule
  regex: RegExp | undefined
  group: number
}

export interface EngineOptions {
  rules?: readonly Rule[]
  /** Rule ids to leave out (from the config file). */
  disabledRules?: readonly string[]
  /** Extra detectors that recognise values (see CandidateMatcher). */
  matchers?: readonly CandidateMatcher[]
}

export class ScanEngine {
  readonly rules: readonly Rule[]
  readonly #compiled: Compiled[]
  readonly #keywordRe: RegExp
  readonly #rulesByKeyword = new Map<string, number[]>()
  readonly #rulesByHit = new Map<string, number[]>()
  readonly #descriptions = new Map<string, string>()
  readonly #matchers: readonly CandidateMatcher[]
  readonly #genericIndex: number
  readonly #disabled: ReadonlySet<string>
  /** Scratch for scanRaw: which rules the current line has woken, and in which order. */
  readonly #marks: Uint8Array
  readonly #pending: Int32Array

  constructor(options: EngineOptions = {}) {
    const disabled = new Set(options.disabledRules ?? [])
    this.#disabled = disabled
    this.rules = (options.rules ?? BUILTIN_RULES).filter((r) => !disabled.has(r.id))
    this.#matchers = options.matchers ?? []
    this.#compiled = this.rules.map((rule) => ({
      rule,
      regex: rule.pattern
        ? new RegExp(rule.pattern.source, `${rule.pattern.flags.replace(/[gd]/g, '')}gd`)
        : undefined,
      group: rule.group ?? 1,
    }))
    for (const rule of this.rules) this.#descriptions.set(rule.id, rule.description)
    for (const [id, description] of Object.entries(GENERIC_IDS)) this.#descriptions.set(id, description)
    this.#genericIndex = this.rules.findIndex((r) => r.id === 'generic')
    this.#marks = new Uint8Array(this.rules.length)
    this.#pending = new Int32Array(this.rules.length)
    // A keyword that contains another also triggers the other's rules: the combined regex reports one
    // alternative per position, so "secret_access_key" must wake the rules of "secret" and "access_key".
    const keywords = [...new Set(this.rules.flatMap((r) => r.keywords.map((k) => k.toLowerCase())))]
    for (const keyword of keywords) {
      const indices: number[] = []
      this.rules.forEach((rule, i) => {
        if (rule.keywords.some((k) => keyword.includes(k.toLowerCase()))) indices.push(i)
      })
      this.#rulesByKeyword.set(keyword, indices)
    }
    keywords.sort((a, b) => b.length - a.length)
    const escaped = keywords.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    this.#keywordRe = new RegExp(escaped.join('|'), 'gi')
  }

  description(ruleId: string): string {
    return this.#descriptions.get(ruleId) ?? ruleId
  }

  /** Raw matches in `text`, overlaps resolved, inline `coffer:allow` lines and fake-marked lines dropped. */
  scanRaw(text: string, kind: FileKind): RawMatch[] {
    const re = this.#keywordRe
    re.lastIndex = 0
    let m = re.exec(text)
    // Value matchers see every token of the text, not only keyword lines: a known value needs no keyword.
    const raw: (RawMatch & { priority: number })[] = []
    if (this.#matchers.length > 0) forEachCandidate(text, (value, at) => this.#offer(value, at, raw))
    if (m === null) return raw.length === 0 ? [] : this.#resolve(text, raw)
    // Hits come in text order, so one line's hits are consecutive: gather its rules (in the order they
    // were found, with a per-rule mark instead of a Set), run them when the next hit is past its end.
    const marks = this.#marks
    const pending = this.#pending
    let count = 0
    let lineStart = 0
    let lineEnd = -1
    let generic = false
    const flush = () => {
      for (let k = 0; k < count; k++) marks[pending[k]!] = 0
      for (let k = 0; k < count; k++)
        this.#runRule(this.#compiled[pending[k]!]!, text, lineStart, lineEnd, kind, raw)
      if (generic && this.#matchers.length > 0) this.#runMatchers(text, lineStart, lineEnd, kind, raw)
      count = 0
      generic = false
    }
    for (; m !== null; m = re.exec(text)) {
      const at = m.index
      if (at >= lineEnd) {
        if (count > 0) flush()
        lineStart = text.lastIndexOf('\n', at - 1) + 1
        const nl = text.indexOf('\n', at)
        lineEnd = nl === -1 ? text.length : nl
      }
      // Keyed by the hit as written: "token", "Token" and "TOKEN" each lower-case once per engine.
      const hit = m[0]
      let indices = this.#rulesByHit.get(hit)
      if (indices === undefined) {
        indices = this.#rulesByKeyword.get(hit.toLowerCase()) ?? []
        if (this.#rulesByHit.size < 4096) this.#rulesByHit.set(hit, indices)
      }
      for (const i of indices) {
        if (marks[i] === 1) continue
        marks[i] = 1
        pending[count++] = i
        if (i === this.#genericIndex) generic = true
      }
    }
    if (count > 0) flush()
    return this.#resolve(text, raw)
  }

  #runRule(c: Compiled, text: string, start: number, end: number, kind: FileKind, out: RawMatch[]): void {
    const { rule } = c
    const priority = rule.priority ?? 5
    if (rule.detect) {
      for (const m of rule.detect(text, start, end, kind)) out.push({ ...m, priority } as RawMatch)
      return
    }
    const regex = c.regex!
    const base = start
    const slice = rule.multiline
      ? text.slice(start, Math.min(text.length, end + MULTILINE_SPAN))
      : text.slice(start, end)
    regex.lastIndex = 0
    for (let m = regex.exec(slice); m !== null; m = regex.exec(slice)) {
      if (m[0].length === 0) regex.lastIndex++
      if (rule.multiline && m.index > end - start) break
      const secret = m[c.group]
      const span = m.indices?.[c.group]
      if (secret === undefined || !span) continue
      if (this.#matchers.length > 0) this.#offer(secret, base + span[0], out)
      if (!this.#accept(rule, secret)) {
        // A format that fails its checksum is not a credential: veto generic matches on the same span.
        if (rule.checksummed)
          out.push({
            ruleId: VETO,
            start: base + span[0],
            end: base + span[1],
            secret,
            priority: 15,
          } as RawMatch)
        continue
      }
      out.push({ ruleId: rule.id, start: base + span[0], end: base + span[1], secret, priority } as RawMatch)
    }
  }

  #accept(rule: Rule, secret: string): boolean {
    if (rule.minEntropy !== undefined && shannonEntropy(secret) < rule.minEntropy) return false
    if (rule.validate && !rule.validate(secret)) return false
    if (rule.checksummed || rule.multiline) return !isDocumentedExample(secret)
    return !isPlaceholder(secret)
  }

  /** Ask the pluggable matchers about a candidate value; a hit becomes a finding of the matcher's rule. */
  #offer(secret: string, at: number, out: RawMatch[]): void {
    for (const matcher of this.#matchers) {
      const hit = matcher.match(secret)
      if (!hit) continue
      this.#descriptions.set(hit.ruleId, hit.description)
      out.push({
        ruleId: hit.ruleId,
        start: at,
        end: at + secret.length,
        secret,
        priority: 20,
        ...(hit.message !== undefined ? { message: hit.message } : {}),
      } as RawMatch)
    }
  }

  #runMatchers(text: string, start: number, end: number, kind: FileKind, out: RawMatch[]): void {
    for (const a of extractAssignments(text.slice(start, end), kind))
      this.#offer(a.value, start + a.index, out)
  }

  #resolve(text: string, raw: (RawMatch & { priority?: number })[]): RawMatch[] {
    raw.sort((a, b) => a.start - b.start || (b.priority ?? 0) - (a.priority ?? 0) || b.end - a.end)
    const kept: (RawMatch & { priority?: number })[] = []
    for (const m of raw) {
      const prev = kept[kept.length - 1]
      if (prev && m.start < prev.end) {
        if ((m.priority ?? 0) > (prev.priority ?? 0)) kept[kept.length - 1] = m
        continue
      }
      kept.push(m)
    }
    return kept
      .filter((m) => {
        if (m.ruleId === VETO) return false
        const ls = text.lastIndexOf('\n', m.start - 1) + 1
        const le = text.indexOf('\n', m.start)
        const line = text.slice(ls, le === -1 ? text.length : le)
        return !line.includes(ALLOW_MARKER) && !lineMarkedFake(line)
      })
      .map(({ ruleId, start, end, secret, message }) =>
        message === undefined ? { ruleId, start, end, secret } : { ruleId, start, end, secret, message },
      )
  }

  /** Findings for one text (a file, stdin or the added lines of a diff); `lineMap` maps text lines to file lines. */
  scanText(
    text: string,
    path: string,
    options: { kind?: FileKind; lineMap?: readonly number[] } = {},
  ): Finding[] {
    let raw = this.scanRaw(text, options.kind ?? fileKind(path))
    // The generic rule reports under three ids; each can be switched off on its own.
    if (this.#disabled.size > 0) raw = raw.filter((m) => !this.#disabled.has(m.ruleId))
    if (raw.length === 0) return []
    const findings: Finding[] = []
    let line = 1
    let lineStart = 0
    let cursor = 0
    for (const m of raw.sort((a, b) => a.start - b.start)) {
      for (; cursor < m.start; cursor++) {
        if (text.charCodeAt(cursor) === 10) {
          line++
          lineStart = cursor + 1
        }
      }
      findings.push({
        ruleId: m.ruleId,
        description: m.message ?? this.description(m.ruleId),
        path,
        line: options.lineMap?.[line - 1] ?? line,
        column: m.start - lineStart + 1,
        secret: m.secret,
        masked: maskSecret(m.secret),
        fingerprint: fingerprint(m.ruleId, path, m.secret),
      })
    }
    return findings
  }
}

/** Stable identity of a finding across line moves: rule, path and the secret, hashed. */
export function fingerprint(ruleId: string, path: string, secret: string): string {
  return createHash('sha256').update(`${ruleId}\0${path}\0${secret}`).digest('hex').slice(0, 32)
}
