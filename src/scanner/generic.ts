// Generic detection: values assigned to secret-looking names, judged by quoting, context and entropy.
import { charClasses, shannonEntropy } from './entropy.ts'
import { isPlaceholder } from './placeholders.ts'
import type { FileKind, RawMatch, Rule } from './types.ts'

/** A secret word inside a name; `pass` only as a whole word so passport/passthrough are not names of secrets. */
const SECRET_WORD =
  /pass(?:word|wd|phrase)?(?![a-z])|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|auth[_.-]?key|private[_.-]?key|credentials?|signing[_.-]?key|encryption[_.-]?key|session[_.-]?key|master[_.-]?key/gi

/** A suffix after the secret word that makes the name describe a secret rather than hold one. */
const NOT_A_VALUE =
  /hash|digest|checksum|fingerprint|sha\d*|md5|integrity|ids?$|uuid|url|uri|endpoint|host|file|path|dir|name|type|len|length|size|ttl|expir|timeout|header|field|prefix|suffix|format|polic|count|max|min|version|enabled|mode|method|label|placeholder|description|hint|regex|pattern|kind|param|accessor|encoding|algorithm|scope|usage|ref|reset|strength|valid|rotation|spec|schema|config|store|provider|manager|source|location|env|var|required|option|input|prompt|error|message|text|title|display|authentication$|encryption$|pem$/i

const PUBLIC = /public|publishable|(?:^|[^a-z])pub(?:[^a-z]|$)/i

/**
 * `name <op> value` with the usual operators; quoted or bare values. A bare name starts only where no
 * letter precedes it: a start inside a word can never be the leftmost match, and trying every one of
 * them made this regex quadratic in the word length.
 */
const ASSIGNMENT =
  /((?<![A-Za-z_$])[A-Za-z_$][\w.$-]*|"[^"\n]{1,80}"|'[^'\n]{1,80}')\s*(?:=>|:=|\?\?=|\|\|=|[:=])\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`\n$]*`|[^\s"'`]+)/g

/**
 * What every assignment to a secret name needs on its line: a secret word followed by the rest of a
 * bare name (or of a quoted one) and an operator, or the rest of an XML element name and `>`. A line
 * without it (`if (!token)`, `getToken(user)`) is dropped before extracting assignments.
 */
const SECRET_NAME_ASSIGNED = new RegExp(
  `(?:${SECRET_WORD.source})(?:[\\w.$-]*\\s*|[^\\n]{0,80}?["']\\s*)(?:[:=?|]|[\\w.:-]*>)`,
  'i',
)
const DOCKER_ENV = /^\s*(?:ENV|ARG)\s+([A-Za-z_][\w.-]*)\s+("[^"]*"|'[^']*'|\S+)\s*$/
const XML_ELEMENT = /<([\w.:-]+)>([^<\s]{6,})<\/\1>/g

export interface Assignment {
  name: string
  value: string
  quoted: boolean
  /** Offset of the value (without quotes) in the line. */
  index: number
}

/** Every `name = value` pair on one line (notebook and JSON-escaped quotes are read through). */
export function extractAssignments(line: string, kind: FileKind): Assignment[] {
  const text = line.includes('\\"') ? line.replace(/\\"/g, '"') : line
  const out: Assignment[] = []
  const add = (name: string, found: string) => {
    const raw = /^["'`]/.test(found) ? found : found.replace(/[,;)}\]]+$/, '')
    const quoted = /^["'`]/.test(raw)
    const value = quoted ? raw.slice(1, -1) : raw
    const index = line.indexOf(value)
    if (index !== -1) out.push({ name: name.replace(/^["']|["']$/g, ''), value, quoted, index })
  }
  if (kind === 'docker') {
    const m = DOCKER_ENV.exec(text)
    if (m && !m[1]!.includes('=')) add(m[1]!, m[2]!)
  }
  for (const m of text.matchAll(ASSIGNMENT)) add(m[1]!, m[2]!)
  if (kind === 'config' || kind === 'text') for (const m of text.matchAll(XML_ELEMENT)) add(m[1]!, m[2]!)
  return out
}

/** Which generic rule a name belongs to, or undefined when the name does not hold a secret. */
function secretNameKind(name: string): 'password' | 'secret' | undefined {
  if (PUBLIC.test(name)) return undefined
  let last: RegExpExecArray | undefined
  for (const m of name.matchAll(SECRET_WORD)) last = m
  if (!last) return undefined
  const suffix = name.slice(last.index + last[0].length)
  if (NOT_A_VALUE.test(suffix)) return undefined
  return /pass|pwd/i.test(last[0]) ? 'password' : 'secret'
}

const IDENTIFIER =
  /^(?:[a-z]+(?:[_.-][a-z]+)*|[a-z]+(?:[A-Z][a-z]+)+|[A-Z]+(?:_[A-Z]+)*|[A-Z][a-z]+(?:[A-Z][a-z]+)*)$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Is this value, assigned to a secret name, a real secret? */
function judgeValue(
  value: string,
  quoted: boolean,
  kind: FileKind,
  nameKind: 'password' | 'secret',
): boolean {
  // In code an unquoted value is an expression (a variable, a call), never the secret itself.
  // So is one in prose or markdown, where `word: word` is a sentence far more often than a setting.
  if (
    !quoted &&
    (kind === 'code' || kind === 'terraform' || kind === 'json' || kind === 'notebook' || kind === 'text')
  )
    return false
  // Escaped newlines or a trailing semicolon: a fragment of source code embedded in a string (source maps).
  if (/\\[nrt]|;$/.test(value)) return false
  // A dotted identifier is a property path (options.password, axios.CancelToken), not a value.
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)) return false
  if (/^[a-z]+$/.test(value)) return false
  if (value.length < 8 || value.length > 256) return false
  if (
    /\s/.test(value) ||
    /^\w+:\/\//.test(value) ||
    /^[./~]/.test(value) ||
    /^[\w.+-]+@[\w-]+\.[\w.]+$/.test(value)
  )
    return false
  if (/\(|\)|\[|\]/.test(value) && !quoted) return false
  if (/^[a-z0-9_.-]+(?:\/[a-z0-9_.:-]+)+\/?$/i.test(value)) return false
  if (IDENTIFIER.test(value) || UUID.test(value) || /^\d+$/.test(value) || /^sha\d+-/.test(value))
    return false
  if (isPlaceholder(value)) return false
  const entropy = shannonEntropy(value)
  // Documentation shows example passwords in prose; there a real one must look generated.
  if (nameKind === 'password') return charClasses(value) >= (kind === 'text' ? 3 : 2) && entropy >= 2.6
  if (/^[0-9a-f]+$/i.test(value)) return value.length >= 16 && entropy >= 3
  return value.length >= 10 && charClasses(value) >= 2 && entropy >= 3.1
}

function detectGeneric(text: string, lineStart: number, lineEnd: number, kind: FileKind): RawMatch[] {
  const line = text.slice(lineStart, lineEnd)
  const out: RawMatch[] = []
  // Dockerfile `ENV NAME value` has no operator; everywhere else a secret name must meet one.
  if (
    kind !== 'docker' &&
    !SECRET_NAME_ASSIGNED.test(line.includes('\\"') ? line.replace(/\\"/g, '"') : line)
  )
    return out
  for (const a of extractAssignments(line, kind)) {
    const nameKind = secretNameKind(a.name)
    if (!nameKind || !judgeValue(a.value, a.quoted, kind, nameKind)) continue
    const ruleId =
      kind === 'env' ? 'dotenv-secret' : nameKind === 'password' ? 'generic-password' : 'generic-secret'
    out.push({
      ruleId,
      start: lineStart + a.index,
      end: lineStart + a.index + a.value.length,
      secret: a.value,
    })
  }
  return out
}

const GENERIC_KEYWORDS = [
  'pass',
  'pwd',
  'secret',
  'token',
  'api_key',
  'api-key',
  'api.key',
  'apikey',
  'access_key',
  'accesskey',
  'auth_key',
  'authkey',
  'private_key',
  'privatekey',
  'credential',
  'signing_key',
  'signingkey',
  'encryption_key',
  'encryptionkey',
  'session_key',
  'sessionkey',
  'master_key',
  'masterkey',
]

/** One rule object runs the generic detector; the findings carry the three ids below. */
export const GENERIC_RULE: Rule = {
  id: 'generic',
  description: 'Secret assigned to a secret-looking name',
  keywords: GENERIC_KEYWORDS,
  detect: detectGeneric,
  priority: 1,
}

export const GENERIC_IDS: Record<string, string> = {
  'generic-password': 'Password assigned in code or configuration',
  'generic-secret': 'Secret, token or API key assigned in code or configuration',
  'dotenv-secret': 'Secret in a .env or shell assignment',
}
