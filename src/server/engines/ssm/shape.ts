// A parameter version as AWS's Parameter, ParameterMetadata and ParameterHistory members show it.
import { arnOf, type SsmContext } from './context.ts'
import { epochSeconds } from './input.ts'
import { openParameterValue } from './kms-value.ts'
import type { ParameterRecord, ParameterVersion } from './model.ts'

/**
 * SecureString values are answered in clear only WithDecryption, which under a customer key takes the caller's
 * kms:Decrypt on it; otherwise the version's opaque stand-in, which needs no key.
 */
export async function answeredValue(
  ctx: SsmContext,
  record: ParameterRecord,
  version: ParameterVersion,
  withDecryption: boolean,
): Promise<string> {
  if (version.type !== 'SecureString') return version.value
  if (!withDecryption) return version.masked ?? ''
  return openParameterValue(ctx, version, arnOf(ctx, record.name))
}

export async function parameterOut(
  ctx: SsmContext,
  record: ParameterRecord,
  version: ParameterVersion,
  withDecryption: boolean,
  selector?: string,
): Promise<Record<string, unknown>> {
  return {
    Name: record.name,
    Type: version.type,
    Value: await answeredValue(ctx, record, version, withDecryption),
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

export async function historyOut(
  ctx: SsmContext,
  record: ParameterRecord,
  version: ParameterVersion,
  withDecryption: boolean,
) {
  return {
    Name: record.name,
    ...common(version),
    Value: await answeredValue(ctx, record, version, withDecryption),
    Labels: [...version.labels],
  }
}
