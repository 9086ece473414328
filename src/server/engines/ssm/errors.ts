// The Parameter Store error catalogue: AWS's __type names with the messages AWS (and moto, its emulator) send.
import { AwsError } from '../../../sdk/aws-error.ts'

export { AwsError }

export const parameterNotFound = (name: string) =>
  new AwsError('ParameterNotFound', `Parameter ${name} not found.`)

export const versionNotFound = (name: string, version: string | number) =>
  new AwsError(
    'ParameterVersionNotFound',
    `Systems Manager could not find version ${version} of ${name}. Verify the version and try again.`,
  )

export const alreadyExists = () =>
  new AwsError(
    'ParameterAlreadyExists',
    'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
  )

export const labelLimit = () =>
  new AwsError(
    'ParameterVersionLabelLimitExceeded',
    'A parameter version can have maximum 10 labels. Move one or more labels to another version and try again.',
  )

export const maxVersions = (name: string, oldest: number) =>
  new AwsError(
    'ParameterMaxVersionLimitExceeded',
    `You attempted to create a new version of ${name} by calling the PutParameter API with the overwrite flag. ` +
      `Version ${oldest}, the oldest version, can't be deleted because it has a label associated with it. ` +
      'Move the label to another version of the parameter, and try again.',
  )

export const hierarchyLimit = () =>
  new AwsError(
    'HierarchyLevelLimitExceededException',
    'A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for ' +
      'parameter names in the Amazon Web Services Systems Manager User Guide.',
  )

/** The pattern is the caller's own; the value is never echoed. */
export const patternMismatch = (pattern: string) =>
  new AwsError(
    'ParameterPatternMismatchException',
    `Parameter value, cannot be validated against allowedPattern: ${pattern}`,
  )

export const invalidAllowedPattern = () =>
  new AwsError(
    'InvalidAllowedPatternException',
    'The request does not meet the regular expression requirement.',
  )

export const invalidKeyId = () => new AwsError('InvalidKeyId', 'The query key ID is not valid.')

export const invalidResourceId = () => new AwsError('InvalidResourceId', 'Invalid Resource Id')
export const invalidResourceType = () => new AwsError('InvalidResourceType', 'Invalid Resource Type')
export const invalidNextToken = () => new AwsError('InvalidNextToken', 'The specified token is not valid.')
export const invalidFilterKey = (message: string) => new AwsError('InvalidFilterKey', message)
export const invalidFilterOption = (message: string) => new AwsError('InvalidFilterOption', message)
export const invalidFilterValue = (message: string) => new AwsError('InvalidFilterValue', message)
export const validationMessage = (message: string) => new AwsError('ValidationException', message)

export { validation } from '../../../sdk/aws-input.ts'
