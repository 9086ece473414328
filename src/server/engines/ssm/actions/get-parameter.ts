// GetParameter (a name or ARN with an optional :version or :label selector) and GetParameters (up to 10 of them).
import { getParametersEach, type OneCall } from '../../../../sdk/aws-ssm-fanout.ts'
import { parseParameterRef } from '../../../../sdk/aws-ssm-routes.ts'
import type { SsmContext } from '../context.ts'
import { parameterNotFound, validationMessage, versionNotFound } from '../errors.ts'
import { type Input, optBool, reqString } from '../input.ts'
import { latest, loadRecord, type ParameterRecord, type ParameterVersion } from '../model.ts'
import { parameterOut } from '../shape.ts'

export async function getParameter(ctx: SsmContext, input: Input): Promise<Record<string, unknown>> {
  const ref = reqString(input, 'Name', { min: 1, max: 2048 })
  const withDecryption = optBool(input, 'WithDecryption') ?? false
  const { name, selector } = parseParameterRef(ref)
  checkReadName(name, selector)
  const record = await loadRecord(ctx.storage, name)
  if (!record) throw parameterNotFound(ref)
  const version = pickVersion(record, ref, selector)
  return { Parameter: await parameterOut(ctx, record, version, withDecryption, selector) }
}

/**
 * A name no parameter could have, or a ':' with no version or label after it, is a ValidationException at AWS, not
 * ParameterNotFound: the caller learns the request is malformed instead of looking for a parameter that cannot exist.
 */
function checkReadName(name: string, selector: string | undefined): void {
  if (!/^[a-zA-Z0-9_.\-/]+$/.test(name) || selector === '')
    throw validationMessage(
      'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of ' +
        'sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the ' +
        'following 3 symbols .-_',
    )
}

/** No selector: the latest version. Digits: that version. Anything else: the version holding that label. */
export function pickVersion(
  record: ParameterRecord,
  ref: string,
  selector: string | undefined,
): ParameterVersion {
  if (selector === undefined) return latest(record)
  if (/^\d+$/.test(selector)) {
    const found = record.versions.find((v) => v.version === Number(selector))
    if (!found) throw versionNotFound(record.name, selector)
    return found
  }
  const holder = record.versions.find((v) => v.labels.includes(selector))
  if (!holder) throw parameterNotFound(ref)
  return holder
}

/** Each name read as its own GetParameter (the adapter authorises each; see src/sdk/aws-ssm-fanout.ts). */
export function getParameters(
  ctx: SsmContext,
  input: Input,
  getOne: OneCall = (one) => getParameter(ctx, one),
): Promise<Record<string, unknown>> {
  return getParametersEach(input, getOne)
}
