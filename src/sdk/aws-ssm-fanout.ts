// The SSM actions that span several parameters, composed from single-parameter calls: shared by the engine and the adapter.
import { AwsError, isAwsError } from './aws-error.ts'

/**
 * The caller may not use a SecureString's KMS key: unlike a parameter whose path they may not read (left out of a
 * GetParametersByPath page), this fails the whole call, as AWS fails it when KMS refuses a decryption.
 */
export class KmsAccessDenied extends AwsError {
  constructor(message: string) {
    super('AccessDeniedException', message)
  }
}

type Input = Record<string, unknown>
type Output = Record<string, unknown>
/** One GetParameter or DeleteParameter, authorised on that parameter's own path by whoever supplies it. */
export type OneCall = (input: Input) => Promise<Output>

function namesOf(input: Input): string[] {
  const raw = input['Names']
  if (raw === undefined || raw === null)
    throw new AwsError(
      'ValidationException',
      "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must not be null",
    )
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > 10 || raw.some((n) => typeof n !== 'string'))
    throw new AwsError(
      'ValidationException',
      "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10",
    )
  return [...new Set(raw as string[])]
}

function decryption(input: Input): boolean {
  const raw = input['WithDecryption']
  if (raw !== undefined && raw !== null && typeof raw !== 'boolean')
    throw new AwsError(
      'ValidationException',
      "1 validation error detected: Value at 'withDecryption' failed to satisfy constraint: Member must be a boolean",
    )
  return raw === true
}

const NOT_FOUND = ['ParameterNotFound', 'ParameterVersionNotFound']

/**
 * GetParameters: each name read as its own GetParameter. Names that do not resolve go into InvalidParameters; any
 * other error, a refusal included, fails the call, as AWS fails a GetParameters naming a parameter the caller may
 * not read.
 */
export async function getParametersEach(input: Input, getOne: OneCall): Promise<Output> {
  const names = namesOf(input)
  const withDecryption = decryption(input)
  const parameters: unknown[] = []
  const invalid: string[] = []
  for (const name of names) {
    try {
      parameters.push((await getOne({ Name: name, WithDecryption: withDecryption }))['Parameter'])
    } catch (error) {
      if (!isAwsError(error) || !NOT_FOUND.includes(error.awsType)) throw error
      invalid.push(name)
    }
  }
  return { Parameters: parameters, InvalidParameters: invalid }
}

/**
 * DeleteParameters: each name deleted as its own DeleteParameter. A name that does not exist, or that the caller
 * may not delete, is listed in InvalidParameters and the others are still deleted, so the answer always says
 * exactly what was removed.
 */
export async function deleteParametersEach(input: Input, deleteOne: OneCall): Promise<Output> {
  const deleted: string[] = []
  const invalid: string[] = []
  for (const name of namesOf(input)) {
    try {
      await deleteOne({ Name: name })
      deleted.push(name)
    } catch (error) {
      if (!isAwsError(error) || !['ParameterNotFound', 'AccessDeniedException'].includes(error.awsType))
        throw error
      invalid.push(name)
    }
  }
  return { DeletedParameters: deleted, InvalidParameters: invalid }
}

/**
 * GetParametersByPath's values: the page (names and versions, from a `list` on the hierarchy's folder), each read
 * as a GetParameter of that version. A parameter the caller may not read, or one removed since, is left out.
 */
export async function fillPathPage(
  page: { Parameters?: unknown; NextToken?: unknown },
  withDecryption: boolean,
  getOne: OneCall,
): Promise<Output> {
  const entries = Array.isArray(page.Parameters)
    ? (page.Parameters as { Name: string; Version: number }[])
    : []
  const parameters: Output[] = []
  for (const { Name, Version } of entries) {
    try {
      const out = await getOne({ Name: `${Name}:${Version}`, WithDecryption: withDecryption })
      const { Selector: _selector, ...parameter } = out['Parameter'] as Output
      parameters.push(parameter)
    } catch (error) {
      if (error instanceof KmsAccessDenied) throw error
      if (!isAwsError(error) || ![...NOT_FOUND, 'AccessDeniedException'].includes(error.awsType)) throw error
    }
  }
  return {
    Parameters: parameters,
    ...(typeof page.NextToken === 'string' ? { NextToken: page.NextToken } : {}),
  }
}

export { decryption as withDecryptionOf }
