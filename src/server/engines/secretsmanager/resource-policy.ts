// Resource policies: parsing an IAM policy document (the subset Coffer evaluates), the public-access check, and deny evaluation.
import { iamWildcardMatch } from '../../../lib/iam-wildcard.ts'
import { AwsError } from './errors.ts'

export const MAX_POLICY_LENGTH = 20480

/** Condition operators Coffer evaluates; any other is refused rather than silently ignored. */
const OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnNotEquals',
  'ArnLike',
  'ArnNotLike',
] as const
type Operator = (typeof OPERATORS)[number]
/** Condition keys Coffer knows the value of for every request. */
const CONDITION_KEYS = ['aws:principalarn', 'aws:principalaccount'] as const

export interface Condition {
  operator: Operator
  key: (typeof CONDITION_KEYS)[number]
  values: string[]
}

export interface Statement {
  effect: 'Allow' | 'Deny'
  /** undefined: every principal ("*"); else ARNs or account IDs. */
  principals: string[] | undefined
  actions: string[]
  resources: string[]
  conditions: Condition[]
}

/** Who is asking, as the resource policy sees it: the ARN of an aws-keys login, absent for other Coffer identities. */
export interface PolicyCaller {
  arn?: string
  account?: string
}

export const malformed = (message: string) => new AwsError('MalformedPolicyDocumentException', message)

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function stringOrList(value: unknown, what: string): string[] {
  const list = Array.isArray(value) ? value : [value]
  if (list.length === 0 || list.some((v) => typeof v !== 'string' || v === ''))
    throw malformed(`${what} must be a non-empty string or a list of non-empty strings.`)
  return list as string[]
}

/** The statements of a policy document, or MalformedPolicyDocumentException naming what is wrong (never echoing it). */
export function parsePolicy(text: string): Statement[] {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    throw malformed('This resource policy contains a syntax error.')
  }
  if (!isObject(doc)) throw malformed('The policy document must be a JSON object.')
  for (const key of Object.keys(doc))
    if (!['Version', 'Id', 'Statement'].includes(key))
      throw malformed(`Policy document element ${key} is not supported.`)
  if (doc['Version'] !== undefined && doc['Version'] !== '2012-10-17' && doc['Version'] !== '2008-10-17')
    throw malformed('The policy Version must be 2012-10-17 or 2008-10-17.')
  const raw = doc['Statement']
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  if (list.length === 0) throw malformed('The policy document must contain at least one Statement.')
  return list.map(parseStatement)
}

function parseStatement(raw: unknown): Statement {
  if (!isObject(raw)) throw malformed('Each Statement must be a JSON object.')
  for (const key of Object.keys(raw)) {
    if (key === 'NotPrincipal' || key === 'NotAction' || key === 'NotResource')
      throw malformed(`${key} is not supported in a secret's resource policy.`)
    if (!['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition'].includes(key))
      throw malformed(`Statement element ${key} is not supported.`)
  }
  if (raw['Sid'] !== undefined && typeof raw['Sid'] !== 'string') throw malformed('Sid must be a string.')
  const effect = raw['Effect']
  if (effect !== 'Allow' && effect !== 'Deny') throw malformed('Effect must be Allow or Deny.')
  if (raw['Principal'] === undefined) throw malformed('A resource policy Statement must name a Principal.')
  if (raw['Action'] === undefined) throw malformed('A Statement must have an Action.')
  if (raw['Resource'] === undefined) throw malformed('A Statement must have a Resource.')
  const actions = stringOrList(raw['Action'], 'Action')
  for (const action of actions)
    if (action !== '*' && !/^secretsmanager:[A-Za-z*?]+$/i.test(action))
      throw malformed('Actions in a secret resource policy must be secretsmanager:<action> patterns.')
  const resources = stringOrList(raw['Resource'], 'Resource')
  for (const resource of resources)
    if (resource !== '*' && !/^arn:aws[a-z-]*:secretsmanager:[^:]*:[^:]*:secret:.+$/.test(resource))
      throw malformed('Resource must be "*" or a secret ARN.')
  return {
    effect,
    principals: parsePrincipal(raw['Principal']),
    actions,
    resources,
    conditions: parseConditions(raw['Condition']),
  }
}

function parsePrincipal(raw: unknown): string[] | undefined {
  if (raw === '*') return undefined
  if (!isObject(raw) || Object.keys(raw).some((k) => k !== 'AWS') || raw['AWS'] === undefined)
    throw malformed('Principal must be "*" or {"AWS": [...]}.')
  const list = stringOrList(raw['AWS'], 'Principal')
  if (list.includes('*')) return undefined
  for (const p of list)
    if (!/^\d{12}$/.test(p) && !/^arn:aws[a-z-]*:(iam|sts)::\d{12}:[^*?]+$/.test(p))
      throw malformed('A Principal must be an account ID, an IAM or STS ARN, or "*".')
  return list
}

function parseConditions(raw: unknown): Condition[] {
  if (raw === undefined) return []
  if (!isObject(raw)) throw malformed('Condition must be a JSON object.')
  const out: Condition[] = []
  for (const [operator, block] of Object.entries(raw)) {
    if (!(OPERATORS as readonly string[]).includes(operator))
      throw malformed(`Condition operator ${operator} is not supported.`)
    if (!isObject(block)) throw malformed('Each Condition operator must map keys to values.')
    for (const [key, values] of Object.entries(block)) {
      const lower = key.toLowerCase()
      if (!(CONDITION_KEYS as readonly string[]).includes(lower))
        throw malformed(`Condition key ${key} is not supported.`)
      out.push({
        operator: operator as Operator,
        key: lower as Condition['key'],
        values: stringOrList(values, 'Condition values'),
      })
    }
  }
  return out
}

/**
 * A statement is public when it allows every principal and no condition narrows who it applies to (a positive
 * match on the principal's ARN or account without a bare wildcard), as BlockPublicPolicy refuses.
 */
export function isPublic(statement: Statement): boolean {
  if (statement.effect !== 'Allow' || statement.principals !== undefined) return false
  const narrowing = statement.conditions.some(
    (c) => !c.operator.includes('Not') && c.values.every((v) => v.replace(/[*?]/g, '') !== '' && v !== '*'),
  )
  return !narrowing
}

export const publicPolicy = () =>
  new AwsError(
    'PublicPolicyException',
    'The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.',
  )

function principalMatches(statement: Statement, caller: PolicyCaller): boolean {
  if (statement.principals === undefined) return true
  const { arn, account } = caller
  if (arn === undefined) return false
  return statement.principals.some((p) => {
    if (p === arn) return true
    // An account ID or the account's root stands for every identity of that account, as in AWS.
    if (account !== undefined && (p === account || p === `arn:aws:iam::${account}:root`)) return true
    // A role principal covers the sessions assumed from it.
    const role = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(p)
    return role !== null && arn.startsWith(`arn:aws:sts::${role[1]}:assumed-role/${role[2]}/`)
  })
}

function conditionHolds(condition: Condition, caller: PolicyCaller): boolean {
  const value = condition.key === 'aws:principalarn' ? caller.arn : caller.account
  const negated = condition.operator.includes('Not')
  // A missing key matches no positive operator and every negated one, as IAM evaluates it.
  if (value === undefined) return negated
  const like = condition.operator.endsWith('Like')
  const any = condition.values.some((v) => (like ? iamWildcardMatch(v, value) : v === value))
  return negated ? !any : any
}

export interface PolicyRequest {
  /** The AWS action name (GetSecretValue). */
  action: string
  /** The secret's full ARN. */
  resource: string
  caller: PolicyCaller
}

/** Whether a statement applies to this request: principal, action, resource and every condition match. */
export function statementMatches(statement: Statement, req: PolicyRequest): boolean {
  const action = `secretsmanager:${req.action}`
  return (
    principalMatches(statement, req.caller) &&
    statement.actions.some((a) => a === '*' || iamWildcardMatch(a, action, true)) &&
    statement.resources.some((r) => r === '*' || iamWildcardMatch(r, req.resource)) &&
    statement.conditions.every((c) => conditionHolds(c, req.caller))
  )
}

/**
 * Whether the policy explicitly denies the request. Allow statements never widen what Coffer's ACL granted: the
 * ACL is the identity policy that already said yes, so only an explicit Deny can change the outcome.
 */
export function deniedBy(statements: Statement[], req: PolicyRequest): boolean {
  return statements.some((s) => s.effect === 'Deny' && statementMatches(s, req))
}

export const policyDenied = (action: string) =>
  new AwsError(
    'AccessDeniedException',
    `User is not authorized to perform: secretsmanager:${action} on this resource with an explicit deny in a resource-based policy`,
  )
