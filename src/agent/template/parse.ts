// Build the tree of a template from its items: text, actions, and if/range/with blocks with else branches.
import { type Delimiters, type Item, lex, TemplateSyntaxError, type Token } from './lex.ts'

export type Arg =
  | { kind: 'field'; names: string[] }
  | { kind: 'var'; name: string; names: string[] }
  | { kind: 'dot' }
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'function'; name: string }
  | { kind: 'paren'; pipeline: Pipeline; names: string[] }

export interface Pipeline {
  /** Variables declared (`:=`) or assigned (`=`) by the pipeline, e.g. ["$k", "$v"] in `range $k, $v := ...`. */
  vars: string[]
  assign: boolean
  commands: Arg[][]
  line: number
}

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Pipeline }
  | { kind: 'if' | 'with' | 'range'; pipeline: Pipeline; body: Node[]; otherwise: Node[] }
  | { kind: 'break' | 'continue'; line: number }

const KEYWORDS = new Set([
  'if',
  'with',
  'range',
  'else',
  'end',
  'define',
  'template',
  'block',
  'break',
  'continue',
])

class Parser {
  readonly #items: Item[]
  #pos = 0
  #rangeDepth = 0
  constructor(items: Item[]) {
    this.#items = items
  }

  /** Parse nodes until an {{else}} or {{end}} (returned) or the end of input (undefined). */
  list(): { nodes: Node[]; stop: { word: 'else' | 'end'; rest: Token[]; line: number } | undefined } {
    const nodes: Node[] = []
    while (this.#pos < this.#items.length) {
      const item = this.#items[this.#pos++]!
      if (item.kind === 'text') {
        nodes.push({ kind: 'text', text: item.text })
        continue
      }
      const first = item.tokens[0]
      const fail = (problem: string): never => {
        throw new TemplateSyntaxError(`line ${item.line}: ${problem}`)
      }
      if (!first) fail('missing value for command')
      const word = first!.kind === 'ident' && KEYWORDS.has(first!.name) ? first!.name : undefined
      if (word === 'else' || word === 'end') {
        if (word === 'end' && item.tokens.length > 1) fail('unexpected tokens after end')
        return { nodes, stop: { word, rest: item.tokens.slice(1), line: item.line } }
      }
      if (word === 'if' || word === 'with' || word === 'range') {
        nodes.push(this.#block(word, item.tokens.slice(1), item.line))
      } else if (word === 'break' || word === 'continue') {
        if (this.#rangeDepth === 0) fail(`{{${word}}} outside {{range}}`)
        if (item.tokens.length > 1) fail(`unexpected tokens after ${word}`)
        nodes.push({ kind: word, line: item.line })
      } else if (word !== undefined) {
        fail(`{{${word}}} is not supported (define, template and block are left out)`)
      } else {
        const pipe = pipeline(item.tokens, item.line, true)
        if (pipe.commands.length === 0) fail('missing value for command')
        nodes.push({ kind: 'action', pipeline: pipe })
      }
    }
    return { nodes, stop: undefined }
  }

  #block(word: 'if' | 'with' | 'range', tokens: Token[], line: number): Node {
    const pipe = pipeline(tokens, line, true)
    if (pipe.commands.length === 0) throw new TemplateSyntaxError(`line ${line}: missing value for ${word}`)
    if (pipe.assign)
      throw new TemplateSyntaxError(`line ${line}: ${word} takes a declaration (:=), not an assignment`)
    if (pipe.vars.length > (word === 'range' ? 2 : 1))
      throw new TemplateSyntaxError(`line ${line}: too many declarations in ${word}`)
    if (word === 'range') this.#rangeDepth++
    const body = this.list()
    if (word === 'range') this.#rangeDepth--
    if (!body.stop) throw new TemplateSyntaxError(`line ${line}: {{${word}}} has no matching {{end}}`)
    let otherwise: Node[] = []
    if (body.stop.word === 'else') {
      const rest = body.stop.rest
      const chained = rest[0]
      if (chained?.kind === 'ident' && (chained.name === 'if' || chained.name === 'with')) {
        // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}} sharing the one {{end}}.
        otherwise = [this.#block(chained.name, rest.slice(1), body.stop.line)]
      } else {
        if (rest.length > 0)
          throw new TemplateSyntaxError(`line ${body.stop.line}: unexpected tokens after else`)
        const tail = this.list()
        if (tail.stop?.word !== 'end')
          throw new TemplateSyntaxError(`line ${line}: {{${word}}} has no matching {{end}}`)
        otherwise = tail.nodes
      }
    }
    return { kind: word, pipeline: pipe, body: body.nodes, otherwise }
  }
}

/** Parse a pipeline: optional `$a, $b :=` (or `$a =`), then commands separated by `|`. */
function pipeline(tokens: Token[], line: number, allowDecl: boolean): Pipeline {
  const fail = (problem: string): never => {
    throw new TemplateSyntaxError(`line ${line}: ${problem}`)
  }
  let pos = 0
  const vars: string[] = []
  let assign = false
  const declEnd = tokens.findIndex((t) => t.kind === 'punct' && (t.value === ':=' || t.value === '='))
  if (allowDecl && declEnd > 0) {
    const head = tokens.slice(0, declEnd)
    const isDecl = head.every((t, i) =>
      i % 2 === 0 ? t.kind === 'var' && t.names.length === 0 : t.kind === 'punct' && t.value === ',',
    )
    if (isDecl && head.length % 2 === 1) {
      for (let i = 0; i < head.length; i += 2) vars.push((head[i] as { name: string }).name)
      assign = (tokens[declEnd] as { value: string }).value === '='
      pos = declEnd + 1
    }
  }
  const commands: Arg[][] = []
  let command: Arg[] = []
  const endCommand = () => {
    if (command.length === 0) fail('missing command in pipeline')
    commands.push(command)
    command = []
  }
  while (pos < tokens.length) {
    const token = tokens[pos++]!
    switch (token.kind) {
      case 'punct':
        if (token.value === '|') endCommand()
        else if (token.value === '(') {
          let depth = 1
          const start = pos
          while (pos < tokens.length && depth > 0) {
            const t = tokens[pos++]!
            if (t.kind === 'punct' && t.value === '(') depth++
            if (t.kind === 'punct' && t.value === ')') depth--
          }
          if (depth !== 0) fail('unclosed left paren')
          const inner = pipeline(tokens.slice(start, pos - 1), line, false)
          if (inner.commands.length === 0) fail('missing value in parentheses')
          // `(secret "x").Data`: a field right after the paren, with no space, chains onto its value.
          const next = tokens[pos]
          const names = next?.kind === 'field' && !next.spaceBefore ? next.names : []
          if (names.length > 0) pos++
          command.push({ kind: 'paren', pipeline: inner, names })
        } else fail(`unexpected ${JSON.stringify(token.value)} in command`)
        break
      case 'field':
        command.push({ kind: 'field', names: token.names })
        break
      case 'var':
        command.push({ kind: 'var', name: token.name, names: token.names })
        break
      case 'dot':
        command.push({ kind: 'dot' })
        break
      case 'string':
      case 'number':
        command.push({ kind: 'literal', value: token.value })
        break
      case 'ident':
        if (token.name === 'true' || token.name === 'false')
          command.push({ kind: 'literal', value: token.name === 'true' })
        else if (token.name === 'nil') command.push({ kind: 'literal', value: null })
        else if (KEYWORDS.has(token.name)) fail(`unexpected ${token.name} in command`)
        else command.push({ kind: 'function', name: token.name })
        break
    }
  }
  if (command.length > 0 || commands.length > 0) endCommand()
  return { vars, assign, commands, line }
}

export function parseTemplate(src: string, delims?: Delimiters): Node[] {
  const parser = new Parser(lex(src, delims))
  const result = parser.list()
  if (result.stop)
    throw new TemplateSyntaxError(`line ${result.stop.line}: unexpected {{${result.stop.word}}}`)
  return result.nodes
}
