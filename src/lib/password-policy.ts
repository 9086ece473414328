// Vault password policies: parse the HCL (`length`, `rule "charset" { charset, min-chars }`) and generate from it.
import { randomInt } from 'node:crypto'
import { type HclValue, parseHcl } from './hcl.ts'

export interface CharsetRule {
  charset: string
  minChars: number
}

export interface PasswordPolicy {
  length: number
  rules: CharsetRule[]
}

/** A policy that cannot be parsed or can never be satisfied; the message names the problem, never a password. */
export class PasswordPolicyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PasswordPolicyError'
  }
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const DIGITS = '0123456789'

/** Vault's default generator: 20 characters from a-z A-Z 0-9 and '-', at least one of each of the four. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  length: 20,
  rules: [
    { charset: LOWER, minChars: 1 },
    { charset: UPPER, minChars: 1 },
    { charset: DIGITS, minChars: 1 },
    { charset: '-', minChars: 1 },
  ],
}

/** Vault limits the combined charset to 255 characters; a length cap keeps a policy from exhausting memory. */
const MAX_CHARSET = 255
const MAX_LENGTH = 4096

function asInteger(value: HclValue | undefined, what: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new PasswordPolicyError(`${what} must be an integer`)
  return n
}

/** Parse and validate a policy document (HCL; JSON is HCL too). */
export function parsePasswordPolicy(text: string): PasswordPolicy {
  let body: ReturnType<typeof parseHcl>
  try {
    // A JSON document is an object at the top level, which the HCL parser reads only as a block body.
    body = text.trim().startsWith('{')
      ? { attributes: JSON.parse(text) as Record<string, HclValue>, blocks: [] }
      : parseHcl(text)
  } catch (error) {
    throw new PasswordPolicyError(`unable to parse policy: ${(error as Error).message}`)
  }
  for (const key of Object.keys(body.attributes)) {
    if (key !== 'length' && key !== 'rule') throw new PasswordPolicyError(`unknown policy setting "${key}"`)
  }
  const length = asInteger(body.attributes['length'], 'length')
  const rules: CharsetRule[] = []
  for (const block of body.blocks) {
    if (block.type !== 'rule') throw new PasswordPolicyError(`unknown block "${block.type}"`)
    if (block.labels[0] !== 'charset' || block.labels.length !== 1)
      throw new PasswordPolicyError(`unknown rule type "${block.labels.join(' ')}"`)
    rules.push(parseCharsetRule(block.body.attributes))
  }
  // The JSON form: "rule": [{"charset": {...}}] arrives as an attribute.
  const jsonRules = body.attributes['rule']
  if (jsonRules !== undefined) {
    for (const entry of Array.isArray(jsonRules) ? jsonRules : [jsonRules]) {
      const charset = typeof entry === 'object' && !Array.isArray(entry) ? entry['charset'] : undefined
      if (!charset || typeof charset !== 'object' || Array.isArray(charset))
        throw new PasswordPolicyError('each rule must be a "charset" rule')
      for (const one of Array.isArray(charset) ? charset : [charset])
        rules.push(parseCharsetRule(one as Record<string, HclValue>))
    }
  }
  const policy = { length, rules }
  validatePolicy(policy)
  return policy
}

function parseCharsetRule(attrs: Record<string, HclValue>): CharsetRule {
  for (const key of Object.keys(attrs)) {
    if (key !== 'charset' && key !== 'min-chars')
      throw new PasswordPolicyError(`unknown charset setting "${key}"`)
  }
  const charset = attrs['charset']
  if (typeof charset !== 'string' || charset === '')
    throw new PasswordPolicyError('a charset rule needs a non-empty "charset"')
  const minChars = attrs['min-chars'] === undefined ? 0 : asInteger(attrs['min-chars'], 'min-chars')
  if (minChars < 0) throw new PasswordPolicyError('min-chars cannot be negative')
  return { charset: dedupe(charset), minChars }
}

function dedupe(chars: string): string {
  return [...new Set([...chars])].join('')
}

function validatePolicy(policy: PasswordPolicy): void {
  if (policy.length <= 0) throw new PasswordPolicyError('length must be > 0')
  if (policy.length > MAX_LENGTH) throw new PasswordPolicyError(`length must be at most ${MAX_LENGTH}`)
  if (policy.rules.length === 0) throw new PasswordPolicyError('no charset specified')
  const required = policy.rules.reduce((sum, rule) => sum + rule.minChars, 0)
  if (required > policy.length)
    throw new PasswordPolicyError(
      `specified rules require at least ${required} characters but ${policy.length} is specified`,
    )
  const all = [...dedupe(policy.rules.map((rule) => rule.charset).join(''))]
  if (all.length > MAX_CHARSET)
    throw new PasswordPolicyError(`charset is too long: limited to ${MAX_CHARSET} characters`)
  if (all.some((ch) => !/^[\p{L}\p{N}\p{P}\p{S}]$/u.test(ch)))
    throw new PasswordPolicyError('non-printable character in charset')
}

/**
 * A password satisfying every rule. Each rule's minimum is drawn from its own charset, the rest from the union,
 * then the positions are shuffled; every draw is crypto.randomInt (uniform, no modulo bias), and the result is
 * reached in one pass however strict the rules are, where whole-candidate rejection could loop for long.
 */
export function generatePassword(policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): string {
  validatePolicy(policy)
  const union = [...dedupe(policy.rules.map((rule) => rule.charset).join(''))]
  const chars: string[] = []
  for (const rule of policy.rules) {
    const set = [...rule.charset]
    for (let i = 0; i < rule.minChars; i++) chars.push(set[randomInt(set.length)]!)
  }
  while (chars.length < policy.length) chars.push(union[randomInt(union.length)]!)
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1)
    ;[chars[i], chars[j]] = [chars[j]!, chars[i]!]
  }
  return chars.join('')
}
