// A parser for the HCL subset that Vault policies and server configs use (the ground HCL1 and HCL2 share).
import { DEFAULT_MAX_JSON_DEPTH, jsonDepthMessage } from './json-depth.ts'

export type HclValue = string | number | boolean | HclValue[] | { [key: string]: HclValue }

export interface HclBlock {
  type: string
  labels: string[]
  body: HclBody
  /** 1-based line of the block's type keyword, for error messages further up. */
  line: number
}

export interface HclBody {
  attributes: Record<string, HclValue>
  blocks: HclBlock[]
}

export class HclSyntaxError extends Error {
  readonly line: number
  readonly column: number
  constructor(line: number, column: number, problem: string) {
    super(`line ${line}, column ${column}: ${problem}`)
    this.name = 'HclSyntaxError'
    this.line = line
    this.column = column
  }
}

interface Token {
  kind: 'ident' | 'string' | 'number' | 'punct' | 'eof'
  /** Identifier name, punctuation character, or the decoded string / numeric text. */
  text: string
  line: number
  column: number
}

const PUNCT = new Set(['{', '}', '[', ']', '=', ':', ','])
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', '/': '/' }

function isIdentStart(ch: string): boolean {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_'
}

function isIdentPart(ch: string): boolean {
  return isIdentStart(ch) || (ch >= '0' && ch <= '9') || ch === '-' || ch === '.'
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9'
}

/** Quote a fragment for an error message, short enough never to leak a document. */
function snippet(text: string): string {
  return JSON.stringify(text.length > 30 ? `${text.slice(0, 30)}…` : text)
}

class Lexer {
  readonly #src: string
  #pos = 0
  #line = 1
  #lineStart = 0

  constructor(src: string) {
    this.#src = src.charCodeAt(0) === 0xfeff ? src.slice(1) : src
  }

  #fail(problem: string, line = this.#line, column = this.#pos - this.#lineStart + 1): never {
    throw new HclSyntaxError(line, column, problem)
  }

  #newline(): void {
    this.#line++
    this.#lineStart = this.#pos
  }

  tokens(): Token[] {
    const out: Token[] = []
    for (;;) {
      const token = this.#next()
      out.push(token)
      if (token.kind === 'eof') return out
    }
  }

  #skipTrivia(): void {
    const src = this.#src
    while (this.#pos < src.length) {
      const ch = src[this.#pos]
      if (ch === '\n') {
        this.#pos++
        this.#newline()
      } else if (ch === ' ' || ch === '\t' || ch === '\r') {
        this.#pos++
      } else if (ch === '#' || (ch === '/' && src[this.#pos + 1] === '/')) {
        while (this.#pos < src.length && src[this.#pos] !== '\n') this.#pos++
      } else if (ch === '/' && src[this.#pos + 1] === '*') {
        const line = this.#line
        const column = this.#pos - this.#lineStart + 1
        this.#pos += 2
        for (;;) {
          if (this.#pos >= src.length) this.#fail('unterminated /* comment', line, column)
          if (src[this.#pos] === '*' && src[this.#pos + 1] === '/') {
            this.#pos += 2
            break
          }
          if (src[this.#pos] === '\n') {
            this.#pos++
            this.#newline()
          } else this.#pos++
        }
      } else return
    }
  }

  #next(): Token {
    this.#skipTrivia()
    const src = this.#src
    const line = this.#line
    const column = this.#pos - this.#lineStart + 1
    if (this.#pos >= src.length) return { kind: 'eof', text: '', line, column }
    const ch = src[this.#pos] as string
    if (PUNCT.has(ch)) {
      this.#pos++
      return { kind: 'punct', text: ch, line, column }
    }
    if (ch === '"') return { kind: 'string', text: this.#string(), line, column }
    if (ch === '<' && src[this.#pos + 1] === '<')
      return { kind: 'string', text: this.#heredoc(), line, column }
    if (isDigit(ch) || (ch === '-' && isDigit(src[this.#pos + 1]))) {
      return { kind: 'number', text: this.#number(), line, column }
    }
    if (isIdentStart(ch)) {
      const start = this.#pos
      while (this.#pos < src.length && isIdentPart(src[this.#pos] as string)) this.#pos++
      return { kind: 'ident', text: src.slice(start, this.#pos), line, column }
    }
    return this.#fail(`unexpected character ${snippet(ch)}`)
  }

  #string(): string {
    const src = this.#src
    const line = this.#line
    const column = this.#pos - this.#lineStart + 1
    this.#pos++
    let out = ''
    for (;;) {
      const ch = src[this.#pos]
      if (ch === undefined || ch === '\n') return this.#fail('unterminated string', line, column)
      if (ch === '"') {
        this.#pos++
        return out
      }
      if (ch !== '\\') {
        out += ch
        this.#pos++
        continue
      }
      const esc = src[this.#pos + 1] ?? ''
      const simple = SIMPLE_ESCAPES[esc]
      if (simple !== undefined) {
        out += simple
        this.#pos += 2
      } else if (esc === 'u' || esc === 'U') {
        const width = esc === 'u' ? 4 : 8
        const hex = src.slice(this.#pos + 2, this.#pos + 2 + width)
        const code =
          /^[0-9a-fA-F]+$/.test(hex) && hex.length === width ? Number.parseInt(hex, 16) : Number.NaN
        if (Number.isNaN(code) || code > 0x10ffff) this.#fail(`invalid \\${esc} escape in string`)
        out += String.fromCodePoint(code)
        this.#pos += 2 + width
      } else {
        this.#fail(`invalid escape sequence \\${esc} in string`)
      }
    }
  }

  #heredoc(): string {
    const src = this.#src
    const line = this.#line
    const column = this.#pos - this.#lineStart + 1
    this.#pos += 2
    const indented = src[this.#pos] === '-'
    if (indented) this.#pos++
    const start = this.#pos
    while (this.#pos < src.length && isIdentPart(src[this.#pos] as string)) this.#pos++
    const marker = src.slice(start, this.#pos)
    if (marker === '' || !isIdentStart(marker[0] as string))
      this.#fail('expected a heredoc marker such as <<EOF')
    if (src[this.#pos] === '\r') this.#pos++
    if (src[this.#pos] !== '\n') this.#fail(`expected a newline after <<${indented ? '-' : ''}${marker}`)
    this.#pos++
    this.#newline()
    const lines: string[] = []
    for (;;) {
      if (this.#pos >= src.length) this.#fail(`unterminated heredoc: no closing ${marker} line`, line, column)
      let end = src.indexOf('\n', this.#pos)
      if (end === -1) end = src.length
      const raw = src.slice(this.#pos, end).replace(/\r$/, '')
      this.#pos = end
      if (raw.trim() === marker) break
      lines.push(raw)
      if (this.#pos < src.length) {
        this.#pos++
        this.#newline()
      }
    }
    if (indented) {
      // <<- strips the indentation the lines share, so the heredoc can follow the surrounding code.
      let common = Number.POSITIVE_INFINITY
      for (const l of lines) {
        if (l.trim() === '') continue
        common = Math.min(common, l.length - l.trimStart().length)
      }
      if (Number.isFinite(common))
        for (let i = 0; i < lines.length; i++) lines[i] = (lines[i] as string).slice(common)
    }
    return lines.map((l) => `${l}\n`).join('')
  }

  #number(): string {
    const src = this.#src
    const start = this.#pos
    if (src[this.#pos] === '-') this.#pos++
    if (src[this.#pos] === '0' && (src[this.#pos + 1] === 'x' || src[this.#pos + 1] === 'X')) {
      this.#pos += 2
      while (/[0-9a-fA-F]/.test(src[this.#pos] ?? '')) this.#pos++
    } else {
      while (isDigit(src[this.#pos])) this.#pos++
      if (src[this.#pos] === '.' && isDigit(src[this.#pos + 1])) {
        this.#pos++
        while (isDigit(src[this.#pos])) this.#pos++
      }
      if (src[this.#pos] === 'e' || src[this.#pos] === 'E') {
        this.#pos++
        if (src[this.#pos] === '+' || src[this.#pos] === '-') this.#pos++
        if (!isDigit(src[this.#pos])) this.#fail('malformed number exponent')
        while (isDigit(src[this.#pos])) this.#pos++
      }
    }
    if (isIdentStart(src[this.#pos] ?? ''))
      this.#fail(`malformed number ${snippet(src.slice(start, this.#pos + 1))}`)
    return src.slice(start, this.#pos)
  }
}

/** Define a key without ever touching the prototype chain, so a "__proto__" key stays plain data. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

function describe(token: Token): string {
  if (token.kind === 'eof') return 'end of input'
  if (token.kind === 'punct') return `'${token.text}'`
  return token.kind === 'string' ? `string ${snippet(token.text)}` : snippet(token.text)
}

class Parser {
  readonly #tokens: Token[]
  readonly #maxDepth: number
  #index = 0
  /** Blocks, lists and objects open around the current token; the parser recurses once per level. */
  #depth = 0

  constructor(tokens: Token[], maxDepth: number) {
    this.#tokens = tokens
    this.#maxDepth = maxDepth
  }

  /** Refuse a level past the limit before recursing into it, so deep input cannot overflow the stack. */
  #enter(token: Token): void {
    if (++this.#depth > this.#maxDepth) this.#fail(token, jsonDepthMessage('the document', this.#maxDepth))
  }

  #peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#index + offset, this.#tokens.length - 1)] as Token
  }

  #take(): Token {
    const token = this.#peek()
    if (token.kind !== 'eof') this.#index++
    return token
  }

  #isPunct(token: Token, ch: string): boolean {
    return token.kind === 'punct' && token.text === ch
  }

  #fail(token: Token, problem: string): never {
    throw new HclSyntaxError(token.line, token.column, problem)
  }

  /** A body runs to end of input at the top level, or to the `}` closing a block. */
  body(closing: boolean): HclBody {
    const body: HclBody = { attributes: {}, blocks: [] }
    for (;;) {
      let token = this.#peek()
      while (this.#isPunct(token, ',')) {
        this.#take()
        token = this.#peek()
      }
      if (closing && this.#isPunct(token, '}')) {
        this.#take()
        return body
      }
      if (token.kind === 'eof') {
        if (closing) this.#fail(token, "expected '}' to close the block")
        return body
      }
      if (token.kind !== 'ident' && token.kind !== 'string') {
        this.#fail(token, `expected an attribute name or block type, found ${describe(token)}`)
      }
      this.#take()
      const next = this.#peek()
      if (this.#isPunct(next, '=') || this.#isPunct(next, ':')) {
        this.#take()
        if (Object.hasOwn(body.attributes, token.text))
          this.#fail(token, `duplicate attribute ${snippet(token.text)}`)
        setOwn(body.attributes, token.text, this.value())
      } else if (next.kind === 'string' || next.kind === 'ident' || this.#isPunct(next, '{')) {
        body.blocks.push(this.#block(token))
      } else {
        this.#fail(next, `expected '=' after ${snippet(token.text)}`)
      }
    }
  }

  #block(typeToken: Token): HclBlock {
    const labels: string[] = []
    for (let token = this.#peek(); token.kind === 'string' || token.kind === 'ident'; token = this.#peek()) {
      labels.push(this.#take().text)
    }
    const open = this.#take()
    if (!this.#isPunct(open, '{')) {
      this.#fail(open, `expected '{' to open the ${snippet(typeToken.text)} block, found ${describe(open)}`)
    }
    this.#enter(open)
    const body = this.body(true)
    this.#depth--
    return { type: typeToken.text, labels, body, line: typeToken.line }
  }

  value(): HclValue {
    const token = this.#take()
    switch (token.kind) {
      case 'string':
        return token.text
      case 'number': {
        const negative = token.text.startsWith('-')
        const digits = negative ? token.text.slice(1) : token.text
        // A leading 0 means octal as in HCL1 (Go's ParseInt with base 0): file modes are written `mode = 0640`.
        const n = /^0[xX]/.test(digits)
          ? Number.parseInt(digits.slice(2), 16)
          : /^0[0-7]+$/.test(digits)
            ? Number.parseInt(digits.slice(1), 8)
            : Number(digits)
        if (!Number.isFinite(n)) this.#fail(token, `malformed number ${snippet(token.text)}`)
        return negative ? -n : n
      }
      case 'ident':
        if (token.text === 'true') return true
        if (token.text === 'false') return false
        return this.#fail(
          token,
          `expected a value (string, number, bool, list or object), found ${describe(token)}`,
        )
      case 'punct':
        if (token.text === '[' || token.text === '{') {
          this.#enter(token)
          const nested = token.text === '[' ? this.#list() : this.#object()
          this.#depth--
          return nested
        }
        break
    }
    return this.#fail(token, `expected a value, found ${describe(token)}`)
  }

  #list(): HclValue[] {
    const items: HclValue[] = []
    for (;;) {
      if (this.#isPunct(this.#peek(), ']')) {
        this.#take()
        return items
      }
      items.push(this.value())
      const sep = this.#take()
      if (this.#isPunct(sep, ']')) return items
      if (!this.#isPunct(sep, ',')) this.#fail(sep, `expected ',' or ']' in list, found ${describe(sep)}`)
    }
  }

  #object(): Record<string, HclValue> {
    const out: Record<string, HclValue> = {}
    for (;;) {
      let key = this.#take()
      while (this.#isPunct(key, ',')) key = this.#take()
      if (this.#isPunct(key, '}')) return out
      if (key.kind !== 'ident' && key.kind !== 'string' && key.kind !== 'number') {
        this.#fail(key, `expected an object key or '}', found ${describe(key)}`)
      }
      if (Object.hasOwn(out, key.text)) this.#fail(key, `duplicate key ${snippet(key.text)} in object`)
      const sep = this.#peek()
      if (this.#isPunct(sep, '=') || this.#isPunct(sep, ':')) {
        this.#take()
        setOwn(out, key.text, this.value())
      } else if (this.#isPunct(sep, '{')) {
        // HCL1 lets a nested object drop its '=': `key { ... }`.
        setOwn(out, key.text, this.value())
      } else {
        this.#fail(sep, `expected '=' after ${snippet(key.text)}`)
      }
    }
  }
}

/**
 * Parse an HCL document into attributes and blocks; throws HclSyntaxError with the line and column, also
 * for blocks, lists and objects nested deeper than `maxDepth`.
 */
export function parseHcl(text: string, maxDepth = DEFAULT_MAX_JSON_DEPTH): HclBody {
  return new Parser(new Lexer(text).tokens(), maxDepth).body(false)
}
