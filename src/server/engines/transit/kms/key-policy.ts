// A KMS key's policy document as CreateKey and PutKeyPolicy read it, and AWS's default one for a key created without.
import { AwsError } from '../../../../sdk/aws-error.ts'
import { optString, validation } from '../../../../sdk/aws-input.ts'
import { type PolicyDialect, parseIamPolicy, type Statement } from '../../../../sdk/iam-policy.ts'

type Input = Record<string, unknown>

/**
 * Key policies name KMS actions and key ARNs, and may condition on the caller, on the EncryptionContext and on the
 * alias the request names the key by. kms:ViaService is refused: Coffer does not tell a call Secrets Manager makes for
 * the caller from the caller's own. kms:ResourceAliases and aws:ResourceTag/<key> are IAM-policy-only keys, which AWS
 * refuses in a key policy with its own message; so does Coffer.
 */
const KEY_POLICY: PolicyDialect = {
  service: 'kms',
  name: 'a key policy',
  resource: /^arn:aws[a-z-]*:kms:[^:]*:[^:]*:key\/.+$/,
  resourceMessage: 'Resource must be "*" (this key) or a KMS key ARN.',
  conditionKey: (key) =>
    [
      'aws:principalarn',
      'aws:principalaccount',
      'kms:calleraccount',
      'kms:encryptioncontextkeys',
      'kms:requestalias',
    ].includes(key) || /^kms:encryptioncontext:.+$/.test(key),
  notPermittedKey: (key) => key === 'kms:resourcealiases' || /^aws:resourcetag\/.+$/.test(key),
  setOperators: true,
  servicePrincipals: true,
}

/** The statements of a key policy document, or MalformedPolicyDocumentException naming what is wrong. */
export function parseKeyPolicy(text: string): Statement[] {
  return parseIamPolicy(text, KEY_POLICY)
}

/** The model's PolicyType pattern: tab, newline, carriage return and the printable Latin-1 range. */
const POLICY_TEXT = /^[\t\n\r\u0020-\u00FF]+$/
/** AWS's documented size limit of a key policy. */
const MAX_POLICY = 32768

/**
 * The `Policy` member: a key policy Coffer can evaluate (anything else is MalformedPolicyDocumentException: an
 * ignored element would make a Deny deny too much or an Allow allow too much), or undefined when absent (unless
 * required).
 */
export function readPolicy(input: Input, required = false): string | undefined {
  if (required && (input['Policy'] === undefined || input['Policy'] === null))
    throw validation('policy', 'Member must not be null')
  const policy = optString(input, 'Policy', { min: 1, max: MAX_POLICY })
  if (policy === undefined) return undefined
  if (!POLICY_TEXT.test(policy))
    throw validation(
      'policy',
      'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
    )
  let parsed: unknown
  try {
    parsed = JSON.parse(policy)
  } catch {
    parsed = undefined
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new AwsError('MalformedPolicyDocumentException', 'The new key policy is not a valid JSON document.')
  parseKeyPolicy(policy)
  return policy
}

/** `default` is the only policy name a KMS key has. */
export const POLICY_NAME = 'default'

/** The model's PolicyNameType: 1–128 word characters. */
export function readPolicyName(input: Input): string {
  const name = optString(input, 'PolicyName', { min: 1, max: 128 })
  if (name !== undefined && !/^\w+$/.test(name))
    throw validation('policyName', 'Member must satisfy regular expression pattern: [\\w]+')
  return name ?? POLICY_NAME
}

/** The policy AWS gives a key created without one: the account's principals may do anything their IAM allows. */
export function defaultPolicy(account: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    },
    null,
    2,
  )
}
