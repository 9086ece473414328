// Vault's `filter` query parameter for event subscriptions: a subset of go-bexpr boolean expressions over an event.
import { boundedTest } from '../../../lib/bounded-regex.ts'
import { LINEAR_AVAILABLE, linearRegExp } from '../../../lib/linear-regex.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { PublishedEvent } from './published-event.ts'

/** The fields a filter may name, as Vault exposes them to its filter (plus `path`). */
const SELECTORS: Record<string, (event: PublishedEvent) => string> = {
  event_type: (e) => e.type,
  operation: (e) => e.metadata['operation'] ?? '',
  data_path: (e) => e.dataPath,
  path: (e) => e.metadata['path'] ?? '',
  source_plugin_mount: (e) => e.pluginInfo.mountPath,
  // Coffer has only the root namespace, which Vault names "" in events.
  namespace: () => '',
}

export type EventFilter = (event: PublishedEvent) => boolean

const MAX_FILTER_LENGTH = 4096
const MAX_REGEX_LENGTH = 512
/** A group containing + * or {n,} that is itself followed by a quantifier: (a+)+, (x*y)*, (a{2,})+. */
const NESTED_QUANTIFIER = /\([^()]*(?:[+*]|\{\d*,\d*\})[^()]*\)\s*(?:[+*?]|\{\d*,?\d*\})/

function refuse(problem: string): never {
  throw new InvalidRequestError(`invalid filter: ${problem}`)
}

type Token = { kind: 'word' | 'string' | 'op' | 'paren'; text: string; at: number }

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === '(' || c === ')') {
      tokens.push({ kind: 'paren', text: c, at: i++ })
      continue
    }
    if (text.startsWith('==', i) || text.startsWith('!=', i)) {
      tokens.push({ kind: 'op', text: text.slice(i, i + 2), at: i })
      i += 2
      continue
    }
    if (c === '"') {
      let value = ''
      let j = i + 1
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length) j++
        value += text[j]
      }
      if (j >= text.length) refuse(`unterminated string at position ${i + 1}`)
      tokens.push({ kind: 'string', text: value, at: i })
      i = j + 1
      continue
    }
    if (c === '`') {
      const end = text.indexOf('`', i + 1)
      if (end < 0) refuse(`unterminated raw string at position ${i + 1}`)
      tokens.push({ kind: 'string', text: text.slice(i + 1, end), at: i })
      i = end + 1
      continue
    }
    const word = /^[A-Za-z0-9_./:*+-]+/.exec(text.slice(i))
    if (!word) refuse(`unexpected character ${JSON.stringify(c)} at position ${i + 1}`)
    tokens.push({ kind: 'word', text: word[0], at: i })
    i += word[0].length
  }
  return tokens
}

class Parser {
  readonly #tokens: Token[]
  #at = 0
  constructor(tokens: Token[]) {
    this.#tokens = tokens
  }

  parse(): EventFilter {
    const filter = this.#or()
    const extra = this.#tokens[this.#at]
    if (extra) refuse(`unexpected ${JSON.stringify(extra.text)} at position ${extra.at + 1}`)
    return filter
  }

  #peekWord(word: string): boolean {
    const t = this.#tokens[this.#at]
    return t?.kind === 'word' && t.text.toLowerCase() === word
  }

  #next(what: string): Token {
    const t = this.#tokens[this.#at++]
    if (!t) refuse(`expected ${what} at the end`)
    return t
  }

  #or(): EventFilter {
    let left = this.#and()
    while (this.#peekWord('or')) {
      this.#at++
      const a = left
      const b = this.#and()
      left = (e) => a(e) || b(e)
    }
    return left
  }

  #and(): EventFilter {
    let left = this.#not()
    while (this.#peekWord('and')) {
      this.#at++
      const a = left
      const b = this.#not()
      left = (e) => a(e) && b(e)
    }
    return left
  }

  #not(): EventFilter {
    if (this.#peekWord('not')) {
      this.#at++
      const inner = this.#not()
      return (e) => !inner(e)
    }
    const t = this.#tokens[this.#at]
    if (t?.kind === 'paren' && t.text === '(') {
      this.#at++
      const inner = this.#or()
      const close = this.#next('")"')
      if (close.text !== ')') refuse(`expected ")" at position ${close.at + 1}`)
      return inner
    }
    return this.#match()
  }

  #selector(token: Token): (event: PublishedEvent) => string {
    const get = token.kind === 'word' ? SELECTORS[token.text] : undefined
    if (!get)
      refuse(
        `unknown field ${JSON.stringify(token.text)} at position ${token.at + 1} (supported: ${Object.keys(SELECTORS).join(', ')})`,
      )
    return get
  }

  #value(): string {
    const t = this.#next('a value')
    if (t.kind !== 'string' && t.kind !== 'word') refuse(`expected a value at position ${t.at + 1}`)
    return t.text
  }

  #match(): EventFilter {
    const first = this.#next('a condition')
    // `"value" in selector` and `"value" not in selector`: the value comes first.
    const second = this.#tokens[this.#at]
    const inForm =
      second?.kind === 'word' &&
      (second.text === 'in' ||
        (second.text === 'not' && this.#tokens[this.#at + 1]?.text === 'in' && first.kind === 'string'))
    if (inForm && (first.kind === 'string' || !(first.text in SELECTORS))) {
      const negate = this.#peekWord('not')
      this.#at += negate ? 2 : 1
      const get = this.#selector(this.#next('a field'))
      return (e) => get(e).includes(first.text) !== negate
    }
    const get = this.#selector(first)
    const op = this.#next('an operator')
    if (op.kind === 'op') {
      const value = this.#value()
      return op.text === '==' ? (e) => get(e) === value : (e) => get(e) !== value
    }
    const word = op.text.toLowerCase()
    const negate = word === 'not'
    const verb = negate ? this.#next('an operator').text.toLowerCase() : word
    if (verb === 'is') {
      const not = this.#peekWord('not')
      if (not) this.#at++
      const empty = this.#next('"empty"')
      if (empty.text.toLowerCase() !== 'empty') refuse(`expected "empty" at position ${empty.at + 1}`)
      return (e) => (get(e) === '') !== not
    }
    if (verb === 'contains') {
      const value = this.#value()
      return (e) => get(e).includes(value) !== negate
    }
    if (verb === 'matches') {
      const source = this.#value()
      if (source.length > MAX_REGEX_LENGTH)
        refuse(`a regular expression may be at most ${MAX_REGEX_LENGTH} characters`)
      let regex: RegExp
      if (LINEAR_AVAILABLE) {
        // Vault's regular expressions (Go's RE2) run in linear time; so do these, on V8's linear engine: no
        // pattern a subscriber writes can hold the event loop at each event ((a|a)*b, .*.*.*x...).
        try {
          regex = linearRegExp(source)
        } catch (error) {
          refuse(`invalid regular expression ${JSON.stringify(source)}: ${(error as Error).message}`)
        }
      } else {
        // JavaScript's engine backtracks: a quantified group holding a quantifier is refused, the rest is
        // bounded in time below.
        if (NESTED_QUANTIFIER.test(source))
          refuse(`regular expression ${JSON.stringify(source)} repeats a repeated group; simplify it`)
        try {
          regex = new RegExp(source, 'u')
        } catch {
          refuse(`invalid regular expression ${JSON.stringify(source)}`)
        }
      }
      return (e) => {
        const matched = boundedTest(regex, get(e), FILTER_REGEX_BUDGET_MS)
        if (matched === undefined) throw new RegexOverBudget()
        return matched !== negate
      }
    }
    refuse(
      `unsupported operator ${JSON.stringify(op.text)} at position ${op.at + 1} (supported: ==, !=, contains, matches, in, is empty, with and, or, not and parentheses)`,
    )
  }
}

/**
 * How long one `matches` may run on one event: a safety net on the linear engine, and the bound where it is
 * missing (the nested-quantifier refusal cannot see every backtracking pattern: "(a|a)*b" took seconds on 26
 * characters, on the event loop, for every event).
 */
const FILTER_REGEX_BUDGET_MS = 50

class RegexOverBudget extends Error {}

/** Parse a filter; undefined or blank means every event. Anything outside the subset is a 400 naming the problem. */
export function parseEventFilter(text: string | undefined): EventFilter {
  if (text === undefined || text.trim() === '') return () => true
  if (text.length > MAX_FILTER_LENGTH) refuse(`a filter may be at most ${MAX_FILTER_LENGTH} characters`)
  const compiled = new Parser(tokenize(text)).parse()
  // A filter whose expression ran over its budget once would cost as much on the next event: from then on it
  // delivers nothing (it never hands a subscriber an event its filter did not pass), at no further cost.
  let overBudget = false
  return (event) => {
    if (overBudget) return false
    try {
      return compiled(event)
    } catch (error) {
      if (!(error instanceof RegexOverBudget)) throw error
      overBudget = true
      return false
    }
  }
}
