// IAM policy documents attached to a resource (a secret's resource policy, a KMS key policy): the subset Coffer parses and evaluates.
import { iamWildcardMatch } from '../lib/iam-wildcard.ts'
import { AwsError } from './aws-error.ts'

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

/** How a condition on a multi-valued key (kms:EncryptionContextKeys) combines the request's values. */
type SetQualifier = 'ForAnyValue' | 'ForAllValues'

export interface Condition {
  operator: Operator
  set?: SetQualifier
  /** Lower-cased: condition key names are case-insensitive. */
  key: string
  values: string[]
}

export interface Statement {
  effect: 'Allow' | 'Deny'
  /** undefined: every principal ("*"); else ARNs or account IDs (empty when it names only service principals). */
  principals: string[] | undefined
  actions: string[]
  resources: string[]
  conditions: Condition[]
}

/** Who is asking, as a resource policy sees it: the ARN and account of an aws-keys login, absent for other identities. */
export interface PolicyCaller {
  arn?: string
  account?: string
}

/** What differs between the services whose resources carry a policy. */
export interface PolicyDialect {
  /** The IAM action prefix: `secretsmanager`, `kms`. */
  service: string
  /** The document's name in messages: "a secret's resource policy". */
  name: string
  /** The resources a statement may name besides "*", and what the refusal says. */
  resource: RegExp
  resourceMessage: string
  /** Whether a lower-cased condition key is one the service knows the value of for each request. */
  conditionKey: (key: string) => boolean
  /** Lower-cased condition keys the service refuses in this kind of document, in its own words (key policies). */
  notPermittedKey?: (key: string) => boolean
  /** ForAnyValue: / ForAllValues: operators, for services with multi-valued keys. */
  setOperators?: boolean
  /** {"Service": …} principals are accepted and match no Coffer caller (no AWS service calls Coffer). */
  servicePrincipals?: boolean
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
export function parseIamPolicy(text: string, dialect: PolicyDialect): Statement[] {
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
  return list.map((s) => parseStatement(s, dialect))
}

function parseStatement(raw: unknown, dialect: PolicyDialect): Statement {
  if (!isObject(raw)) throw malformed('Each Statement must be a JSON object.')
  for (const key of Object.keys(raw)) {
    if (key === 'NotPrincipal' || key === 'NotAction' || key === 'NotResource')
      throw malformed(`${key} is not supported in ${dialect.name}.`)
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
  const actionPattern = new RegExp(`^${dialect.service}:[A-Za-z*?]+$`, 'i')
  for (const action of actions)
    if (action !== '*' && !actionPattern.test(action))
      throw malformed(`Actions in ${dialect.name} must be ${dialect.service}:<action> patterns.`)
  const resources = stringOrList(raw['Resource'], 'Resource')
  for (const resource of resources)
    if (resource !== '*' && !dialect.resource.test(resource)) throw malformed(dialect.resourceMessage)
  return {
    effect,
    principals: parsePrincipal(raw['Principal'], dialect),
    actions,
    resources,
    conditions: parseConditions(raw['Condition'], dialect),
  }
}

function parsePrincipal(raw: unknown, dialect: PolicyDialect): string[] | undefined {
  if (raw === '*') return undefined
  const kinds = dialect.servicePrincipals ? ['AWS', 'Service'] : ['AWS']
  const shape = dialect.servicePrincipals
    ? '"*" or {"AWS": [...], "Service": [...]}'
    : '"*" or {"AWS": [...]}'
  if (!isObject(raw) || Object.keys(raw).length === 0 || Object.keys(raw).some((k) => !kinds.includes(k)))
    throw malformed(`Principal must be ${shape}.`)
  if (raw['Service'] !== undefined)
    for (const service of stringOrList(raw['Service'], 'Principal'))
      if (!/^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(service))
        throw malformed('A Service principal must be a service name such as logs.amazonaws.com.')
  if (raw['AWS'] === undefined) return []
  const list = stringOrList(raw['AWS'], 'Principal')
  if (list.includes('*')) return undefined
  for (const p of list)
    if (!/^\d{12}$/.test(p) && !/^arn:aws[a-z-]*:(iam|sts)::\d{12}:[^*?]+$/.test(p))
      throw malformed('A Principal must be an account ID, an IAM or STS ARN, or "*".')
  return list
}

function parseConditions(raw: unknown, dialect: PolicyDialect): Condition[] {
  if (raw === undefined) return []
  if (!isObject(raw)) throw malformed('Condition must be a JSON object.')
  const out: Condition[] = []
  for (const [name, block] of Object.entries(raw)) {
    const qualified = /^(ForAnyValue|ForAllValues):(.*)$/.exec(name)
    const operator = qualified ? qualified[2]! : name
    if (!(OPERATORS as readonly string[]).includes(operator) || (qualified && !dialect.setOperators))
      throw malformed(`Condition operator ${name} is not supported.`)
    if (!isObject(block)) throw malformed('Each Condition operator must map keys to values.')
    for (const [key, values] of Object.entries(block)) {
      const lower = key.toLowerCase()
      if (dialect.notPermittedKey?.(lower))
        throw malformed(`These condition keys are not permitted in ${dialect.name}: ${key}`)
      if (!dialect.conditionKey(lower)) throw malformed(`Condition key ${key} is not supported.`)
      out.push({
        operator: operator as Operator,
        ...(qualified ? { set: qualified[1] as SetQualifier } : {}),
        key: lower,
        values: stringOrList(values, 'Condition values'),
      })
    }
  }
  return out
}

/** One request as a policy evaluates it. */
export interface PolicyRequest {
  /** The full IAM action (`secretsmanager:GetSecretValue`, `kms:Decrypt`). */
  action: string
  /** The resource's ARN, or a test of a statement's Resource pattern when matching needs more than a wildcard. */
  resource: string | ((pattern: string) => boolean)
  caller: PolicyCaller
  /** Values of the service's own condition keys, by lower-cased key; a key absent here is absent from the request. */
  context?: Record<string, string | string[]>
}

function principalMatches(statement: Statement, caller: PolicyCaller): boolean {
  if (statement.principals === undefined) return true
  const { arn, account } = caller
  return statement.principals.some((p) => {
    // An account ID or the account's root stands for every identity of that account, as in AWS.
    if (account !== undefined && (p === account || p === `arn:aws:iam::${account}:root`)) return true
    if (arn === undefined) return false
    if (p === arn) return true
    // A role principal covers the sessions assumed from it.
    const role = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(p)
    return role !== null && arn.startsWith(`arn:aws:sts::${role[1]}:assumed-role/${role[2]}/`)
  })
}

function contextValues(key: string, req: PolicyRequest): string[] | undefined {
  if (key === 'aws:principalarn') return req.caller.arn === undefined ? undefined : [req.caller.arn]
  if (key === 'aws:principalaccount')
    return req.caller.account === undefined ? undefined : [req.caller.account]
  const value = req.context?.[key]
  return value === undefined ? undefined : Array.isArray(value) ? value : [value]
}

function conditionHolds(condition: Condition, req: PolicyRequest): boolean {
  const values = contextValues(condition.key, req)
  const negated = condition.operator.includes('Not')
  const like = condition.operator.endsWith('Like')
  const matchesOne = (value: string) =>
    condition.values.some((v) => (like ? iamWildcardMatch(v, value) : v === value))
  // A value satisfies the operator: matches one of the condition's values, or for a negated operator none.
  const satisfies = (value: string) => (negated ? !matchesOne(value) : matchesOne(value))
  // ForAllValues holds for an absent or empty key (nothing fails it); ForAnyValue needs a value that satisfies.
  if (condition.set === 'ForAllValues') return (values ?? []).every(satisfies)
  if (condition.set === 'ForAnyValue') return (values ?? []).some(satisfies)
  // A missing key matches no positive operator and every negated one, as IAM evaluates it.
  if (values === undefined || values.length === 0) return negated
  const any = values.some(matchesOne)
  return negated ? !any : any
}

function resourceMatches(pattern: string, resource: PolicyRequest['resource']): boolean {
  if (pattern === '*') return true
  return typeof resource === 'function' ? resource(pattern) : iamWildcardMatch(pattern, resource)
}

/** Whether a statement applies to this request: principal, action, resource and every condition match. */
export function statementMatches(statement: Statement, req: PolicyRequest): boolean {
  return (
    principalMatches(statement, req.caller) &&
    statement.actions.some((a) => a === '*' || iamWildcardMatch(a, req.action, true)) &&
    statement.resources.some((r) => resourceMatches(r, req.resource)) &&
    statement.conditions.every((c) => conditionHolds(c, req))
  )
}

/** Whether a statement with this effect applies: an explicit Deny wins over any Allow, as IAM evaluates. */
export function deniedBy(statements: Statement[], req: PolicyRequest): boolean {
  return statements.some((s) => s.effect === 'Deny' && statementMatches(s, req))
}

/** The policy's answer alone: an explicit Deny, an Allow, or neither (the implicit deny). */
export function evaluatePolicy(statements: Statement[], req: PolicyRequest): 'deny' | 'allow' | 'none' {
  if (deniedBy(statements, req)) return 'deny'
  return statements.some((s) => s.effect === 'Allow' && statementMatches(s, req)) ? 'allow' : 'none'
}
