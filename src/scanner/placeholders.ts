// Values that look like secrets but are not: placeholders, references, documentation examples, fixtures.

/** Published documentation keys (AWS, Stripe, jwt.io): real formats, never live. */
const DOCUMENTED_EXAMPLES = new Set([
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  'AKIAI44QH8DHBEXAMPLE',
  `${'sk_test_'}4eC39HqLyjWDarjtT1zdp7dc`,
  `${'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV'}_adQssw5c`,
])

/** Words that mark a value as written for a reader, not a machine. */
const PLACEHOLDER_WORDS =
  /example|changeme|change_me|change-me|placeholder|your[_-]?(?:api|secret|token|key|pass|own)|yourkey|dummy|redacted|replace[_-]?me|insert[_-]?|todo|fixme|notreal|not[_-]?a[_-]?real|xxxx|\*\*\*|\.\.\.|…|<[a-z_ -]+>|secret[_-]?here|token[_-]?here|key[_-]?here|password[_-]?here|sample/i

/** References to a value held elsewhere: environment variables, templates, secret stores. */
const REFERENCE =
  /^\$|^%[({]|^\{\{|^#\{|^<%|^@|\$\{|process\.env|import\.meta\.env|os\.environ|os\.getenv|getenv\(|ENV\[|System\.getenv|secrets\.|vault:|ref\+|^env\(|^var\.|^local\.|^data\.|^module\./

/** Common stand-ins people type for a password. */
const PLACEHOLDER_VALUES = new Set([
  'password',
  'passw0rd',
  'p@ssw0rd',
  'p@ssword',
  'secret',
  'secrets',
  'changeit',
  'letmein',
  'admin',
  'administrator',
  'root',
  'toor',
  'test',
  'testing',
  'testpassword',
  'test1234',
  'password1',
  'password123',
  'qwerty',
  'qwertyuiop',
  'foobar',
  'foobarbaz',
  'none',
  'null',
  'undefined',
  'true',
  'false',
  'string',
  'required',
  'optional',
  'default',
  'mypassword',
  'mysecret',
  'supersecret',
  'topsecret',
  'hunter2',
  'pass',
  'passwd',
  'user',
])

export function isDocumentedExample(value: string): boolean {
  return DOCUMENTED_EXAMPLES.has(value) || /EXAMPLE/.test(value)
}

/** One character repeated, a short pattern repeated, or an alphabet/digit run. */
function isRepetitive(value: string): boolean {
  if (value.length === 0) return true
  const distinct = new Set(value).size
  if (distinct <= 2 || (value.length >= 16 && distinct <= 4)) return true
  for (let period = 1; period <= 8 && period * 2 <= value.length; period++) {
    let repeats = true
    for (let i = period; i < value.length && repeats; i++) repeats = value[i] === value[i % period]
    if (repeats) return true
  }
  let ascending = 0
  for (let i = 1; i < value.length; i++) if (value.charCodeAt(i) - value.charCodeAt(i - 1) === 1) ascending++
  return ascending >= value.length * 0.6
}

function isReference(value: string): boolean {
  return REFERENCE.test(value)
}

/** The value is a placeholder or reference (or a documentation example): never report it. */
export function isPlaceholder(value: string): boolean {
  if (isDocumentedExample(value) || isReference(value) || isRepetitive(value)) return true
  if (PLACEHOLDER_VALUES.has(value.toLowerCase())) return true
  return PLACEHOLDER_WORDS.test(value)
}

/** A line that says its values are fake (test fixtures, docs): `fake`, `dummy`, `not a real`… as words. */
export function lineMarkedFake(line: string): boolean {
  return /(?:^|[^a-z])(?:fake|dummy|mock|not[ _-]?a[ _-]?real|notreal|bogus)(?:[^a-z]|$)/i.test(line)
}
