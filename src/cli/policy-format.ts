// A layout-only formatter for HCL policies: re-indents and normalises spacing but keeps comments and order.
import { parseHcl } from '../lib/hcl.ts'

interface LineScan {
  /** The code part with normalised spacing (strings untouched). */
  code: string
  /** Trailing comment, if any, verbatim. */
  comment: string
  opens: number
  closes: number
  leadingCloses: number
  /** The line starts or stays inside a block comment that is not closed on it. */
  endsInBlockComment: boolean
}

/** Normalise one line's code outside strings: single spaces, ` = `, `, `, ` {`, and no padding inside brackets. */
function scanLine(line: string, inBlockComment: boolean): LineScan {
  let code = ''
  let comment = ''
  let opens = 0
  let closes = 0
  let leadingCloses = 0
  let seenCode = false
  let i = 0
  const push = (text: string) => {
    code += text
  }
  if (inBlockComment) {
    const end = line.indexOf('*/')
    if (end === -1)
      return { code: '', comment: line.trim(), opens, closes, leadingCloses, endsInBlockComment: true }
    comment = line.slice(0, end + 2).trim()
    i = end + 2
  }
  while (i < line.length) {
    const ch = line[i] as string
    if (ch === '"') {
      let j = i + 1
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1
      push(line.slice(i, j + 1))
      seenCode = true
      i = j + 1
      continue
    }
    if (ch === '#' || (ch === '/' && line[i + 1] === '/')) {
      comment = (comment ? `${comment} ` : '') + line.slice(i).trimEnd()
      break
    }
    if (ch === '/' && line[i + 1] === '*') {
      const end = line.indexOf('*/', i + 2)
      if (end === -1) {
        comment = (comment ? `${comment} ` : '') + line.slice(i).trimEnd()
        return finish(true)
      }
      push(line.slice(i, end + 2))
      i = end + 2
      continue
    }
    if (ch === ' ' || ch === '\t') {
      if (code !== '' && !code.endsWith(' ') && !code.endsWith('[')) push(' ')
    } else if (ch === '=') {
      code = code.trimEnd()
      push(' = ')
    } else if (ch === ',') {
      code = code.trimEnd()
      push(', ')
    } else if (ch === '{') {
      opens++
      code = code.trimEnd()
      push(code === '' ? '{' : ' {')
    } else if (ch === '[') {
      opens++
      push('[')
    } else if (ch === '}' || ch === ']') {
      closes++
      if (!seenCode) leadingCloses++
      code = code.trimEnd()
      if (ch === ']' && code.endsWith(',')) code = code.slice(0, -1)
      push(ch)
    } else {
      push(ch)
    }
    if (ch !== '}' && ch !== ']' && ch !== ' ' && ch !== '\t' && ch !== ',') seenCode = true
    i++
  }
  return finish(false)

  function finish(endsInBlockComment: boolean): LineScan {
    return { code: code.trim(), comment, opens, closes, leadingCloses, endsInBlockComment }
  }
}

/**
 * Format a policy document. Throws the parser's HclSyntaxError for invalid input, so a broken file is never rewritten.
 * Rules: two-space indents by nesting depth, one blank line between top-level blocks, no runs of blank lines.
 */
export function formatPolicy(text: string): string {
  parseHcl(text)
  const out: string[] = []
  let depth = 0
  let inBlockComment = false
  let closedTopLevel = false
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    if (raw.trim() === '' && !inBlockComment) {
      if (out.length > 0 && out.at(-1) !== '') out.push('')
      continue
    }
    const scan = scanLine(raw, inBlockComment)
    const indent = '  '.repeat(Math.max(0, depth - scan.leadingCloses))
    if (closedTopLevel && depth === 0 && out.at(-1) !== '') out.push('')
    closedTopLevel = false
    const body = [scan.code, scan.comment].filter((part) => part !== '').join(' ')
    out.push(inBlockComment && scan.code === '' ? raw.trimEnd() : indent + body)
    const before = depth
    depth = Math.max(0, depth + scan.opens - scan.closes)
    if (before > 0 && depth === 0) closedTopLevel = true
    inBlockComment = scan.endsInBlockComment
  }
  while (out.at(-1) === '') out.pop()
  while (out[0] === '') out.shift()
  return `${out.join('\n')}\n`
}
