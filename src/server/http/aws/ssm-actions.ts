// SSM calls in the adapter: multi-parameter actions fanned out per parameter, and /aws/reference/secretsmanager/ reads.
import { AwsError } from '../../../sdk/aws-error.ts'
import {
  deleteParametersEach,
  fillPathPage,
  getParametersEach,
  withDecryptionOf,
} from '../../../sdk/aws-ssm-fanout.ts'
import { parseParameterRef, SECRETS_MANAGER_REFERENCE, type SsmAction } from '../../../sdk/aws-ssm-routes.ts'

type Input = Record<string, unknown>
type Output = Record<string, unknown>
type Call = (action: SsmAction, input: Input) => Promise<Output>
/** GetSecretValue on the secretsmanager mount, authorised as `read` on `secrets/<name>`. */
type ReadSecret = (secretId: string, selector: Record<string, string>) => Promise<Output>

/** `reference`: the secret as named, or the whole `/aws/reference/secretsmanager/…` parameter name, as AWS names it. */
export const referenceNotFound = (reference: string) =>
  new AwsError(
    'ParameterNotFound',
    `An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret ${reference} not found.`,
  )

/**
 * Each parameter is authorised on its own path, which only core can check: GetParameters, DeleteParameters and
 * GetParametersByPath's values become one request per parameter (docs/engines/ssm.md).
 */
export async function runSsmAction(
  action: SsmAction,
  input: Input,
  call: Call,
  readSecret: ReadSecret,
): Promise<Output> {
  const getOne = (one: Input) => getOrReference(one, call, readSecret)
  switch (action) {
    case 'GetParameter':
      return getOne(input)
    case 'GetParameters':
      return getParametersEach(input, getOne)
    case 'DeleteParameters':
      return deleteParametersEach(input, (one) => call('DeleteParameter', one))
    case 'GetParametersByPath':
      return fillPathPage(await call(action, input), withDecryptionOf(input), getOne)
    default:
      return call(action, input)
  }
}

/** A VersionId is a UUID; any other selector is a staging label. */
const VERSION_ID = /^[0-9a-fA-F-]{32,64}$/

/**
 * `/aws/reference/secretsmanager/<secret id>[:<version id or label>]` reads the secret (as the caller, who needs
 * `read` on it) and answers as AWS does: a SecureString named by the reference path (the selector goes to
 * Selector), with the secret's value, the secret's ARN, version 0 and the whole GetSecretValue answer as JSON in
 * SourceResult. AWS demands WithDecryption; a missing secret is ParameterNotFound naming the reference.
 */
async function getOrReference(input: Input, call: Call, readSecret: ReadSecret): Promise<Output> {
  const ref = input['Name']
  if (typeof ref !== 'string' || !ref.startsWith(SECRETS_MANAGER_REFERENCE))
    return call('GetParameter', input)
  if (input['WithDecryption'] !== true)
    throw new AwsError(
      'ValidationException',
      'WithDecryption flag must be True for retrieving a Secret Manager secret.',
    )
  const rest = ref.slice(SECRETS_MANAGER_REFERENCE.length)
  const { name: secretId, selector } = parseParameterRef(rest)
  if (secretId === '') throw referenceNotFound(ref)
  const stage: Record<string, string> =
    selector === undefined
      ? {}
      : VERSION_ID.test(selector)
        ? { VersionId: selector }
        : { VersionStage: selector }
  let secret: Output
  try {
    secret = await readSecret(secretId, stage)
  } catch (error) {
    // No such secret, or no Secrets Manager mount at all (ParameterNotFound from the reader).
    if (
      error instanceof AwsError &&
      ['ResourceNotFoundException', 'ParameterNotFound'].includes(error.awsType)
    )
      throw referenceNotFound(ref)
    throw error
  }
  const value =
    typeof secret['SecretString'] === 'string' ? secret['SecretString'] : String(secret['SecretBinary'] ?? '')
  return {
    Parameter: {
      Name: `${SECRETS_MANAGER_REFERENCE}${secretId}`,
      Type: 'SecureString',
      Value: value,
      Version: 0,
      ...(selector !== undefined ? { Selector: `:${selector}` } : {}),
      SourceResult: JSON.stringify(secret),
      LastModifiedDate: secret['CreatedDate'],
      ARN: secret['ARN'],
      DataType: 'text',
    },
  }
}
