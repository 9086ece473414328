// A subset of Go's text/template, as Vault's sdk/helper/template offers it: fields, pipelines, parentheses and its functions.
import { createHash, randomUUID } from 'node:crypto'
import { randomAlphanumeric } from './random.ts'

/** A template problem; callers wrap it in their own error naming the setting (username_template, ...). */
export class TemplateError extends Error {}

type Fields = Readonly<Record<string, string>>

function fail(problem: string): never {
  throw new TemplateError(problem)
}

type Token =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'field'; name: string }
  | { kind: 'ident'; name: string }
  | { kind: 'punct'; value: '(' | ')' | '|' }

type Node =
  | { kind: 'literal'; value: string | number }
  | { kind: 'field'; name: string }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'pipeline'; commands: Node[][] }

function tokenize(src: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < src.length) {
    const ch = src[i]!
    if (/\s/.test(ch)) i++
    else if (ch === '(' || ch === ')' || ch === '|') {
      tokens.push({ kind: 'punct', value: ch })
      i++
    } else if (ch === '"') {
      let j = i + 1
      let value = ''
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\' && j + 1 < src.length) {
          const next = src[j + 1]!
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next
          j += 2
        } else value += src[j++]
      }
      if (j >= src.length) fail('unterminated string')
      tokens.push({ kind: 'string', value })
      i = j + 1
    } else if (ch === '`') {
      const end = src.indexOf('`', i + 1)
      if (end === -1) fail('unterminated raw string')
      tokens.push({ kind: 'string', value: src.slice(i + 1, end) })
      i = end + 1
    } else if (/[0-9-]/.test(ch)) {
      const m = /^-?\d+/.exec(src.slice(i))
      if (!m) fail(`unexpected "${ch}"`)
      tokens.push({ kind: 'number', value: Number(m[0]) })
      i += m[0].length
    } else if (ch === '.') {
      const m = /^\.([A-Za-z_]\w*)/.exec(src.slice(i))
      if (!m) fail('"." must name a field')
      tokens.push({ kind: 'field', name: m[1]! })
      i += m[0].length
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_]\w*/.exec(src.slice(i))!
      tokens.push({ kind: 'ident', name: m[0] })
      i += m[0].length
    } else fail(`unexpected "${ch}"`)
  }
  return tokens
}

class Parser {
  #pos = 0
  readonly tokens: Token[]
  constructor(tokens: Token[]) {
    this.tokens = tokens
  }

  pipeline(): Node {
    const commands: Node[][] = [this.command()]
    while (this.#peekPunct('|')) {
      this.#pos++
      commands.push(this.command())
    }
    return { kind: 'pipeline', commands }
  }

  command(): Node[] {
    const operands: Node[] = []
    for (;;) {
      const token = this.tokens[this.#pos]
      if (!token || (token.kind === 'punct' && token.value !== '(')) break
      operands.push(this.operand())
    }
    if (operands.length === 0) fail('empty command')
    return operands
  }

  operand(): Node {
    const token = this.tokens[this.#pos++]!
    switch (token.kind) {
      case 'string':
      case 'number':
        return { kind: 'literal', value: token.value }
      case 'field':
        return { kind: 'field', name: token.name }
      case 'ident':
        return { kind: 'call', name: token.name, args: [] }
      case 'punct': {
        const inner = this.pipeline()
        if (!this.#peekPunct(')')) fail('missing ")"')
        this.#pos++
        return inner
      }
    }
  }

  done(): boolean {
    return this.#pos >= this.tokens.length
  }

  #peekPunct(value: string): boolean {
    const token = this.tokens[this.#pos]
    return token?.kind === 'punct' && token.value === value
  }
}

type Value = string | number

function str(value: Value | undefined, fn: string): string {
  if (value === undefined) fail(`${fn} needs an argument`)
  return String(value)
}

function int(value: Value | undefined, fn: string): number {
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isInteger(n) || n < 0) fail(`${fn} needs a non-negative integer`)
  return n
}

function printf(format: string, args: Value[]): string {
  let next = 0
  return format.replace(/%([sdvq%])/g, (_, verb: string) => {
    if (verb === '%') return '%'
    const arg = args[next++]
    if (arg === undefined) return `%!${verb}(MISSING)`
    return verb === 'q' ? JSON.stringify(String(arg)) : String(arg)
  })
}

/** The longest `random` string: far beyond any user name, short enough that a template cannot make one slow to render. */
export const MAX_RANDOM_LENGTH = 1024

const FUNCTIONS: Record<string, (args: Value[], now: number) => Value> = {
  random: ([n]) => {
    const length = int(n, 'random')
    if (length > MAX_RANDOM_LENGTH) fail(`random length must be at most ${MAX_RANDOM_LENGTH}`)
    return randomAlphanumeric(length)
  },
  truncate: ([n, s]) => str(s, 'truncate').slice(0, int(n, 'truncate')),
  truncate_sha256: ([n, s]) => {
    const text = str(s, 'truncate_sha256')
    const max = int(n, 'truncate_sha256')
    if (text.length <= max) return text
    const head = text.slice(0, Math.max(0, max - 64))
    return head + createHash('sha256').update(text.slice(head.length)).digest('hex')
  },
  uppercase: ([s]) => str(s, 'uppercase').toUpperCase(),
  lowercase: ([s]) => str(s, 'lowercase').toLowerCase(),
  replace: ([from, to, s]) => str(s, 'replace').split(str(from, 'replace')).join(str(to, 'replace')),
  sha256: ([s]) => createHash('sha256').update(str(s, 'sha256')).digest('hex'),
  base64: ([s]) => Buffer.from(str(s, 'base64')).toString('base64'),
  uuid: () => randomUUID(),
  unix_time: (_, now) => Math.floor(now / 1000),
  unix_time_millis: (_, now) => now,
  timestamp: (_, now) => new Date(now).toISOString(),
  printf: ([format, ...rest]) => printf(str(format, 'printf'), rest),
}

function evaluate(node: Node, data: Fields, now: number, piped?: Value): Value {
  switch (node.kind) {
    case 'literal':
      return node.value
    case 'field': {
      if (!Object.hasOwn(data, node.name)) fail(`unknown field ".${node.name}"`)
      return data[node.name]!
    }
    case 'call':
      return call(node.name, piped === undefined ? [] : [piped], now)
    case 'pipeline': {
      let value: Value | undefined
      for (const command of node.commands) value = runCommand(command, data, now, value)
      return value!
    }
  }
}

function call(name: string, args: Value[], now: number): Value {
  const fn = FUNCTIONS[name]
  if (!fn) fail(`unknown function "${name}"`)
  return fn(args, now)
}

function runCommand(command: Node[], data: Fields, now: number, piped: Value | undefined): Value {
  const head = command[0]!
  const rest = command.slice(1)
  if (head.kind === 'call') {
    const args = rest.map((arg) => evaluate(arg, data, now))
    if (piped !== undefined) args.push(piped)
    return call(head.name, args, now)
  }
  if (rest.length > 0 || piped !== undefined) fail('only a function can take arguments')
  return evaluate(head, data, now)
}

/** Render `template` with `fields` (`.name` in actions); text outside {{ }} is kept. Throws TemplateError. */
export function renderTemplate(template: string, fields: Fields, now: number): string {
  let out = ''
  let rest = template
  while (rest !== '') {
    const open = rest.indexOf('{{')
    if (open === -1) {
      out += rest
      break
    }
    out += rest.slice(0, open)
    const close = rest.indexOf('}}', open + 2)
    if (close === -1) fail('missing "}}"')
    const source = rest.slice(open + 2, close).replace(/^-\s|\s-$/g, '')
    const parser = new Parser(tokenize(source))
    const node = parser.pipeline()
    if (!parser.done()) fail('unexpected text after an expression')
    out += String(evaluate(node, fields, now))
    rest = rest.slice(close + 2)
  }
  return out
}
