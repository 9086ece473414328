// A parameter version as AWS's Parameter, ParameterMetadata and ParameterHistory members show it.
import { arnOf, type SsmContext } from './context.ts'
import { epochSeconds } from './input.ts'
import type { ParameterRecord, ParameterVersion } from './model.ts'

/** SecureString values are answered in clear only WithDecryption; otherwise the version's opaque stand-in. */
export function answeredValue(version: ParameterVersion, withDecryption: boolean): string {
  return version.type === 'SecureString' && !withDecryption ? (version.masked ?? '') : version.value
}

export function parameterOut(
  ctx: SsmContext,
  record: ParameterRecord,
  version: ParameterVersion,
  withDecryption: boolean,
  selector?: string,
): Record<string, unknown> {
  return {
    Name: record.name,
    Type: version.type,
    Value: answeredValue(version, withDecryption),
    Version: version.version,
    ...(selector !== undefined ? { Selector: `:${selector}` } : {}),
    LastModifiedDate: epochSeconds(version.lastModifiedDate),
    ARN: arnOf(ctx, record.name),
    DataType: version.dataType,
  }
}

function common(version: ParameterVersion): Record<string, unknown> {
  return {
    Type: version.type,
    ...(version.keyId !== undefined ? { KeyId: version.keyId } : {}),
    LastModifiedDate: epochSeconds(version.lastModifiedDate),
    LastModifiedUser: version.lastModifiedUser,
    ...(version.description !== undefined ? { Description: version.description } : {}),
    ...(version.allowedPattern !== undefined ? { AllowedPattern: version.allowedPattern } : {}),
    Version: version.version,
    Tier: version.tier,
    Policies: [],
    DataType: version.dataType,
  }
}

export function metadataOut(ctx: SsmContext, record: ParameterRecord, version: ParameterVersion) {
  return { Name: record.name, ARN: arnOf(ctx, record.name), ...common(version) }
}

export function historyOut(record: ParameterRecord, version: ParameterVersion, withDecryption: boolean) {
  return {
    Name: record.name,
    ...common(version),
    Value: answeredValue(version, withDecryption),
    Labels: [...version.labels],
  }
}
