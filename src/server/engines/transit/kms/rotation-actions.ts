// A KMS key's rotations: RotateKeyOnDemand (a new transit version now) and ListKeyRotations (the versions after the first).
import { AwsError } from '../../../../sdk/aws-error.ts'
import { optEnum, optInt } from '../../../../sdk/aws-input.ts'
import { rotate, updateKey } from '../keyring.ts'
import { loadKeyShared } from '../model.ts'
import type { KmsContext } from './context.ts'
import { changeMeta, notPendingDeletion } from './key-actions.ts'
import { readMarker } from './marker.ts'
import { type KmsKeyMeta, requireEnabled, requireMeta } from './metadata.ts'

type Input = Record<string, unknown>
type Output = Record<string, unknown>

/** AWS's quota of on-demand rotations per key. */
const MAX_ON_DEMAND = 25

/** Only symmetric encryption keys rotate, automatically or on demand, as at AWS. */
function requireRotatable(meta: KmsKeyMeta): void {
  if (meta.keySpec !== 'SYMMETRIC_DEFAULT')
    throw new AwsError(
      'UnsupportedOperationException',
      `${meta.keySpec} keys do not support key rotation: only symmetric encryption keys do.`,
    )
}

/**
 * A new version of the key's material, used for encryption from now on; older versions still decrypt. Held under the
 * key's metadata lock, so concurrent calls count against the quota one at a time and each records its own version.
 */
export async function rotateOnDemand(ctx: KmsContext, keyId: string): Promise<Output> {
  await changeMeta(ctx, keyId, async (meta) => {
    requireEnabled(meta, ctx.arn(keyId))
    requireRotatable(meta)
    const done = meta.onDemandRotations ?? []
    if (done.length >= MAX_ON_DEMAND)
      throw new AwsError(
        'LimitExceededException',
        `A key can be rotated on demand at most ${MAX_ON_DEMAND} times.`,
      )
    const key = await updateKey(ctx.storage, ctx.state, keyId, (key) => rotate(key, ctx.now()))
    return { ...meta, onDemandRotations: [...done, key.latest_version] }
  })
  return { KeyId: keyId }
}

const INCLUDE = ['ALL_KEY_MATERIAL', 'ROTATIONS_ONLY'] as const

/**
 * Each version after the first, oldest first: its creation time and whether RotateKeyOnDemand made it (any other
 * was an automatic rotation, or one through transit's own rotate path). Marker is the last version of a page.
 */
export async function listRotations(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  optEnum(input, 'IncludeKeyMaterial', INCLUDE)
  const limit = optInt(input, 'Limit', 1, 1000) ?? 100
  const meta = await requireMeta(ctx.storage, keyId)
  notPendingDeletion(ctx, meta)
  requireRotatable(meta)
  const key = await loadKeyShared(ctx.storage, keyId)
  const versions = Object.entries(key?.versions ?? {})
    .map(([version, entry]) => ({ version: Number(version), time: entry.time }))
    .filter((v) => v.version > 1)
    .sort((a, b) => a.version - b.version)
  const marker = readMarker(input, (m) => versions.some((v) => String(v.version) === m))
  const rest = marker === undefined ? versions : versions.filter((v) => v.version > Number(marker))
  const page = rest.slice(0, limit)
  const onDemand = new Set(meta.onDemandRotations ?? [])
  const out: Output = {
    Rotations: page.map((v) => ({
      KeyId: keyId,
      RotationDate: v.time,
      RotationType: onDemand.has(v.version) ? 'ON_DEMAND' : 'AUTOMATIC',
    })),
    Truncated: rest.length > limit,
  }
  if (rest.length > limit) out['NextMarker'] = String(page.at(-1)!.version)
  return out
}
