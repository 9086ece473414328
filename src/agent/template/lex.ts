// Split a Go text/template into text and actions, applying the {{- and -}} whitespace trim markers and dropping comments.

export class TemplateSyntaxError extends Error {}

export type Token =
  | { kind: 'field'; names: string[]; spaceBefore: boolean }
  | { kind: 'var'; name: string; names: string[] }
  | { kind: 'dot' }
  | { kind: 'ident'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'punct'; value: '(' | ')' | '|' | ':=' | '=' | ',' }

export type Item = { kind: 'text'; text: string } | { kind: 'action'; tokens: Token[]; line: number }

export interface Delimiters {
  left: string
  right: string
}

const SPACE = /[ \t\r\n]/
const IDENT = /[A-Za-z0-9_]/

function lineAt(src: string, pos: number): number {
  let line = 1
  for (let i = 0; i < pos; i++) if (src[i] === '\n') line++
  return line
}

/** Go's trim markers are "{{- " and " -}}": the dash must be separated from the action by a space. */
function trimMarkerAfterLeft(src: string, pos: number): boolean {
  return src[pos] === '-' && SPACE.test(src[pos + 1] ?? '')
}

export function lex(src: string, delims: Delimiters = { left: '{{', right: '}}' }): Item[] {
  const items: Item[] = []
  let pos = 0
  let trimNextText = false
  while (pos < src.length) {
    const start = src.indexOf(delims.left, pos)
    let text = start === -1 ? src.slice(pos) : src.slice(pos, start)
    if (trimNextText) text = text.replace(/^[ \t\r\n]+/, '')
    trimNextText = false
    if (start === -1) {
      if (text !== '') items.push({ kind: 'text', text })
      break
    }
    let inner = start + delims.left.length
    if (trimMarkerAfterLeft(src, inner)) {
      text = text.replace(/[ \t\r\n]+$/, '')
      inner += 2
    }
    if (text !== '') items.push({ kind: 'text', text })
    const line = lineAt(src, start)
    const { tokens, end, trimAfter } = lexAction(src, inner, delims.right, line)
    if (tokens !== undefined) items.push({ kind: 'action', tokens, line })
    trimNextText = trimAfter
    pos = end
  }
  return items
}

/** Tokens of one action, up to its right delimiter; a comment action yields no tokens. */
function lexAction(
  src: string,
  start: number,
  right: string,
  line: number,
): { tokens: Token[] | undefined; end: number; trimAfter: boolean } {
  const fail = (problem: string): never => {
    throw new TemplateSyntaxError(`line ${line}: ${problem}`)
  }
  const closeAt = (i: number): { end: number; trimAfter: boolean } | undefined => {
    if (SPACE.test(src[i] ?? '') && src[i + 1] === '-' && src.startsWith(right, i + 2))
      return { end: i + 2 + right.length, trimAfter: true }
    if (src.startsWith(right, i)) return { end: i + right.length, trimAfter: false }
    return undefined
  }
  let i = start
  while (SPACE.test(src[i] ?? '')) i++
  if (src.startsWith('/*', i)) {
    const close = src.indexOf('*/', i + 2)
    if (close === -1) fail('unclosed comment')
    let j = close + 2
    while (SPACE.test(src[j] ?? '') && !closeAt(j)) j++
    const closing = closeAt(j)
    if (!closing) fail('comment ends before the closing delimiter')
    return { tokens: undefined, ...closing! }
  }
  i = start
  const tokens: Token[] = []
  let spaceBefore = true
  for (;;) {
    const closing = closeAt(i)
    if (closing) return { tokens, ...closing }
    if (i >= src.length) fail('unclosed action')
    const ch = src[i]!
    if (SPACE.test(ch)) {
      i++
      spaceBefore = true
      continue
    }
    const hadSpace = spaceBefore
    spaceBefore = false
    if (ch === '"') {
      let j = i + 1
      let raw = '"'
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\n') fail('newline in a string')
        if (src[j] === '\\') raw += src[j++]
        raw += src[j++]
      }
      if (j >= src.length) fail('unterminated string')
      try {
        tokens.push({ kind: 'string', value: JSON.parse(`${raw}"`) as string })
      } catch {
        fail(`invalid escape in string ${raw}"`)
      }
      i = j + 1
    } else if (ch === '`') {
      const close = src.indexOf('`', i + 1)
      if (close === -1) fail('unterminated raw string')
      tokens.push({ kind: 'string', value: src.slice(i + 1, close) })
      i = close + 1
    } else if (ch === '(' || ch === ')' || ch === '|' || ch === ',') {
      tokens.push({ kind: 'punct', value: ch })
      i++
    } else if (ch === ':' && src[i + 1] === '=') {
      tokens.push({ kind: 'punct', value: ':=' })
      i += 2
    } else if (ch === '=') {
      tokens.push({ kind: 'punct', value: '=' })
      i++
    } else if (ch === '.' || ch === '$') {
      let j = i
      let name = ''
      if (ch === '$') {
        j++
        while (IDENT.test(src[j] ?? '')) name += src[j++]
      }
      const names: string[] = []
      while (src[j] === '.' && IDENT.test(src[j + 1] ?? '')) {
        j++
        let field = ''
        while (IDENT.test(src[j] ?? '')) field += src[j++]
        names.push(field)
      }
      if (ch === '$') tokens.push({ kind: 'var', name: `$${name}`, names })
      else if (names.length === 0) {
        if (/[0-9]/.test(src[i + 1] ?? '')) fail(`unexpected number ${src.slice(i, i + 8)}`)
        tokens.push({ kind: 'dot' })
        j = i + 1
      } else tokens.push({ kind: 'field', names, spaceBefore: hadSpace })
      i = j
    } else if (/[0-9-+]/.test(ch)) {
      const match = /^[-+]?(0[xX][0-9a-fA-F]+|[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)/.exec(src.slice(i))
      if (!match) fail(`unexpected ${JSON.stringify(ch)} in action`)
      const text = match![0]
      tokens.push({ kind: 'number', value: /0[xX]/.test(text) ? Number.parseInt(text, 16) : Number(text) })
      i += text.length
    } else if (IDENT.test(ch)) {
      let name = ''
      while (IDENT.test(src[i] ?? '')) name += src[i++]
      tokens.push({ kind: 'ident', name })
    } else {
      fail(`unexpected ${JSON.stringify(ch)} in action`)
    }
  }
}
