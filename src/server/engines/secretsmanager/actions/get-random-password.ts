// GetRandomPassword: CSPRNG characters from the included classes, at least one of each unless RequireEachIncludedType is false.
import { randomInt } from 'node:crypto'
import { invalidParameter } from '../errors.ts'
import { type Input, optBool, optInt, optString } from '../input.ts'

const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const DIGITS = '0123456789'
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'

export function getRandomPassword(input: Input): Record<string, unknown> {
  const length = optInt(input, 'PasswordLength', 1, 4096) ?? 32
  const exclude = new Set(optString(input, 'ExcludeCharacters', { max: 4096 }) ?? '')
  const keep = (chars: string) => [...chars].filter((c) => !exclude.has(c)).join('')
  // Each class the caller did not exclude, minus the excluded characters; a class emptied by them drops out.
  const classes = [
    optBool(input, 'ExcludeLowercase') ? '' : keep(LOWER),
    optBool(input, 'ExcludeUppercase') ? '' : keep(UPPER),
    optBool(input, 'ExcludeNumbers') ? '' : keep(DIGITS),
    optBool(input, 'ExcludePunctuation') ? '' : keep(PUNCTUATION),
  ].filter((chars) => chars !== '')
  const space = optBool(input, 'IncludeSpace') && !exclude.has(' ') ? ' ' : ''
  const all = classes.join('') + space
  if (all === '')
    throw invalidParameter('The password cannot be generated: every character type is excluded.')
  const requireEach = optBool(input, 'RequireEachIncludedType') ?? true
  if (requireEach && length < classes.length)
    throw invalidParameter('Password length is too short based on the required types.')
  const chars: string[] = requireEach ? classes.map((set) => pick(set)) : []
  while (chars.length < length) chars.push(pick(all))
  // Shuffle so the guaranteed characters sit anywhere (Fisher–Yates with the CSPRNG).
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1)
    ;[chars[i], chars[j]] = [chars[j]!, chars[i]!]
  }
  return { RandomPassword: chars.join('') }
}

function pick(set: string): string {
  return set[randomInt(set.length)]!
}
