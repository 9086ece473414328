// PutParameter: creates a parameter (version 1) or, with Overwrite, adds a version; keeps at most 100 versions.
import { randomBytes } from 'node:crypto'
import { boundedTest } from '../../../../lib/bounded-regex.ts'
import { arnOf, type SsmContext } from '../context.ts'
import {
  AwsError,
  alreadyExists,
  invalidAllowedPattern,
  invalidKeyId,
  maxVersions,
  parameterNotFound,
  patternMismatch,
  validation,
  validationMessage,
} from '../errors.ts'
import { type Input, optBool, optString, reqString } from '../input.ts'
import { DEFAULT_KEY, isDefaultKey, sealParameterValue } from '../kms-value.ts'
import {
  loadRecord,
  lockKey,
  PARAMETER_TYPES,
  type ParameterRecord,
  type ParameterType,
  type ParameterVersion,
  putRecordOp,
} from '../model.ts'
import { checkWritableName } from '../names.ts'
import { mergeTags, parseTags } from './tags.ts'

export const MAX_VERSIONS = 100
const STANDARD_MAX = 4096
const ADVANCED_MAX = 8192
/** A KMS key ID, alias, key ARN or alias ARN. */
const KEY_ID =
  /^(alias\/[a-zA-Z0-9/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[a-zA-Z0-9-]+|alias\/[a-zA-Z0-9/_-]+))$/
const AMI = 'aws:ec2:image'
const DATA_TYPES = ['text', AMI]

/** `mustExist`: refuse (ParameterNotFound) rather than create, as the Vault API's write authorised as an update does. */
export async function putParameter(
  ctx: SsmContext,
  input: Input,
  options: { mustExist?: boolean } = {},
): Promise<Record<string, unknown>> {
  const name = reqString(input, 'Name', { min: 1, max: 2048 })
  checkWritableName(name)
  const value = input['Value']
  if (typeof value !== 'string')
    throw validation(
      'value',
      value === undefined || value === null ? 'Member must not be null' : 'Member must be a string',
    )
  if (value.length < 1) throw validation('value', 'Member must have length greater than or equal to 1')
  const type = optString(input, 'Type')
  if (type !== undefined && !PARAMETER_TYPES.includes(type as ParameterType))
    throw validation('type', 'Member must satisfy enum value set: [SecureString, StringList, String]')
  const overwrite = optBool(input, 'Overwrite') ?? false
  const description = optString(input, 'Description', { max: 1024 })
  const keyId = optString(input, 'KeyId', { min: 1, max: 256 })
  if (keyId !== undefined && !/^[a-zA-Z0-9:/_-]+$/.test(keyId))
    throw validation('keyId', 'Member must satisfy regular expression pattern: ^([a-zA-Z0-9:/_-]+)$')
  if (keyId !== undefined && !KEY_ID.test(keyId)) throw invalidKeyId()
  const allowedPattern = optString(input, 'AllowedPattern', { max: 1024 })
  const tier = optString(input, 'Tier')
  if (tier !== undefined && !['Standard', 'Advanced', 'Intelligent-Tiering'].includes(tier))
    throw validation('tier', 'Member must satisfy enum value set: [Advanced, Intelligent-Tiering, Standard]')
  const dataType = optString(input, 'DataType', { min: 0, max: 128 })
  if (dataType !== undefined && !DATA_TYPES.includes(dataType))
    throw validationMessage(
      `The following data type is not supported: ${dataType} (Data type names are all lowercase.)`,
    )
  // The model's length is 1 to 4096: an empty string is refused as AWS refuses it; "[]" (no policies) is accepted.
  const policies = optString(input, 'Policies', { min: 1, max: 4096 })
  if (policies !== undefined && policies !== '[]')
    throw new AwsError('InvalidPolicyTypeException', 'Parameter policies are not supported by this server.')
  // Merged as AddTagsToResource merges them: a key given twice is kept once, with its last value.
  const given = parseTags(input, 'Tags', 0)
  const tags = given === undefined ? undefined : mergeTags([], given)
  if (overwrite && tags !== undefined && tags.length > 0)
    throw validationMessage(
      "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove " +
        'overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.',
    )

  return ctx.locks.run(lockKey(name), async () => {
    const record: ParameterRecord = (await loadRecord(ctx.storage, name)) ?? {
      name,
      tags: tags ?? [],
      versions: [],
    }
    const previous = record.versions.at(-1)
    if (previous && !overwrite) throw alreadyExists()
    if (!previous && options.mustExist) throw parameterNotFound(name)
    if (!previous && type === undefined)
      throw validationMessage('A parameter type is required when you create a parameter.')
    const newType = (type ?? previous!.type) as ParameterType
    if (keyId !== undefined && newType !== 'SecureString')
      throw validationMessage('KeyId can only be used with the SecureString parameter type.')
    const pattern = allowedPattern ?? previous?.allowedPattern
    if (pattern !== undefined && pattern !== '') {
      let re: RegExp
      try {
        re = new RegExp(pattern, 'u')
      } catch {
        throw invalidAllowedPattern()
      }
      // The caller's pattern may backtrack exponentially: one that cannot decide within the budget is refused.
      const matched = boundedTest(re, value)
      if (matched === undefined) throw invalidAllowedPattern()
      if (!matched) throw patternMismatch(pattern)
    }
    const finalDataType = dataType ?? previous?.dataType ?? 'text'
    // AWS never changes a parameter's data type to or from aws:ec2:image: such a version is refused.
    if (previous && finalDataType !== previous.dataType && [finalDataType, previous.dataType].includes(AMI))
      throw validationMessage(
        `The data type of parameter ${name} is ${previous.dataType}: a parameter can't be changed to or from the ` +
          `${AMI} data type. Delete it and create it again with the data type you want.`,
      )
    if (finalDataType === AMI && !/^ami-[a-z0-9]+$/.test(value))
      throw validationMessage(
        'The value of a parameter of data type aws:ec2:image must be an AMI ID (ami-…).',
      )
    const bytes = Buffer.byteLength(value)
    const finalTier = chooseTier(tier, previous?.tier, bytes)
    if (bytes > (finalTier === 'Advanced' ? ADVANCED_MAX : STANDARD_MAX))
      throw validationMessage(
        finalTier === 'Advanced'
          ? `Advanced tier parameters support a maximum parameter value of ${ADVANCED_MAX} characters.`
          : `Standard tier parameters support a maximum parameter value of ${STANDARD_MAX} characters. To create a ` +
              'larger parameter value, upgrade the parameter to use the advanced-parameter tier.',
      )
    if (record.versions.length >= MAX_VERSIONS) {
      const oldest = record.versions[0]!
      if (oldest.labels.length > 0) throw maxVersions(name, oldest.version)
      record.versions.shift()
    }
    const number = (previous?.version ?? 0) + 1
    const key =
      newType === 'SecureString'
        ? (keyId ?? (previous?.type === 'SecureString' ? previous.keyId : undefined) ?? DEFAULT_KEY)
        : undefined
    // Under a customer key the value is sealed with the caller's kms:GenerateDataKey on it, as AWS encrypts it:
    // a caller who may not use the key cannot write under it, and the key's state applies.
    const sealed =
      key !== undefined && !isDefaultKey(key)
        ? await sealParameterValue(ctx, key, arnOf(ctx, name), number, value)
        : undefined
    const version: ParameterVersion = {
      version: number,
      value: sealed ? '' : value,
      type: newType,
      ...(key !== undefined ? { masked: randomBytes(48).toString('base64'), keyId: key } : {}),
      ...(sealed ? { sealed } : {}),
      ...((description ?? previous?.description) !== undefined
        ? { description: description ?? previous?.description }
        : {}),
      ...(pattern !== undefined ? { allowedPattern: pattern } : {}),
      tier: finalTier,
      dataType: finalDataType,
      lastModifiedDate: ctx.now(),
      lastModifiedUser: ctx.user,
      labels: [],
    }
    record.versions.push(version)
    await ctx.storage.batch([putRecordOp(record)])
    return { Version: version.version, Tier: version.tier }
  })
}

/**
 * Standard unless asked otherwise; Advanced stays Advanced (AWS cannot downgrade); Intelligent-Tiering picks
 * Advanced only when the value needs it.
 */
function chooseTier(
  asked: string | undefined,
  previous: string | undefined,
  bytes: number,
): 'Standard' | 'Advanced' {
  if (asked === 'Standard' && previous === 'Advanced')
    throw validationMessage(
      "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter " +
        'tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as ' +
        'a standard parameter.',
    )
  if (asked === 'Advanced' || previous === 'Advanced') return 'Advanced'
  if (asked === 'Intelligent-Tiering') return bytes > STANDARD_MAX ? 'Advanced' : 'Standard'
  return 'Standard'
}
