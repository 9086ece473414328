// A secret's resource policy: the IAM dialect it is parsed in (sdk/iam-policy.ts), the public-access check, and deny evaluation.
import {
  type PolicyCaller,
  type PolicyDialect,
  parseIamPolicy,
  deniedBy as policyDenies,
  type Statement,
} from '../../../sdk/iam-policy.ts'
import { AwsError } from './errors.ts'

export type { PolicyCaller, Statement }

export const MAX_POLICY_LENGTH = 20480

/** Secrets Manager's statements: its own actions, secret ARNs, and the caller's ARN and account as conditions. */
const SECRET_POLICY: PolicyDialect = {
  service: 'secretsmanager',
  name: "a secret's resource policy",
  resource: /^arn:aws[a-z-]*:secretsmanager:[^:]*:[^:]*:secret:.+$/,
  resourceMessage: 'Resource must be "*" or a secret ARN.',
  conditionKey: (key) => key === 'aws:principalarn' || key === 'aws:principalaccount',
}

/** The statements of a policy document, or MalformedPolicyDocumentException naming what is wrong (never echoing it). */
export function parsePolicy(text: string): Statement[] {
  return parseIamPolicy(text, SECRET_POLICY)
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

export interface PolicyRequest {
  /** The AWS action name (GetSecretValue). */
  action: string
  /** The secret's full ARN. */
  resource: string
  caller: PolicyCaller
}

/**
 * Whether the policy explicitly denies the request. Allow statements never widen what Coffer's ACL granted: the
 * ACL is the identity policy that already said yes, so only an explicit Deny can change the outcome.
 */
export function deniedBy(statements: Statement[], req: PolicyRequest): boolean {
  return policyDenies(statements, { ...req, action: `secretsmanager:${req.action}` })
}

export const policyDenied = (action: string) =>
  new AwsError(
    'AccessDeniedException',
    `User is not authorized to perform: secretsmanager:${action} on this resource with an explicit deny in a resource-based policy`,
  )
