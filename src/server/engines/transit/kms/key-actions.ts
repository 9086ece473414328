// KMS key lifecycle actions: CreateKey, DescribeKey, ListKeys, enabling, rotation, scheduled deletion and tags.
import { AwsError } from '../../../../sdk/aws-error.ts'
import { optBool, optInt, optString, validation } from '../../../../sdk/aws-input.ts'
import { getOrCreateKey, updateKey } from '../keyring.ts'
import { loadKeyShared } from '../model.ts'
import type { KmsContext } from './context.ts'
import {
  KEY_SPECS,
  type KeyUsage,
  type KmsKeyMeta,
  keyMetadata,
  META_PREFIX,
  requireMeta,
  saveMeta,
  type Tag,
} from './metadata.ts'

type Input = Record<string, unknown>
type Output = Record<string, unknown>

/** AWS's yearly rotation, as transit's auto_rotate_period. */
const ROTATION_PERIOD_SECONDS = 365 * 24 * 3600
const USAGES: KeyUsage[] = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC']

function readTags(input: Input, name = 'Tags'): Tag[] {
  const raw = input[name]
  if (raw === undefined) return []
  if (!Array.isArray(raw)) throw validation('tags', 'Member must be a list')
  return raw.map((tag) => {
    const t = tag as Record<string, unknown>
    if (typeof t?.['TagKey'] !== 'string' || typeof t['TagValue'] !== 'string')
      throw validation('tags', 'Each tag must have a string TagKey and TagValue')
    return { TagKey: t['TagKey'], TagValue: t['TagValue'] }
  })
}

function mergeTags(current: Tag[], added: Tag[]): Tag[] {
  const byKey = new Map(current.map((t) => [t.TagKey, t]))
  for (const tag of added) byKey.set(tag.TagKey, tag)
  return [...byKey.values()]
}

export async function createKey(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const keySpec =
    optString(input, 'KeySpec') ?? optString(input, 'CustomerMasterKeySpec') ?? 'SYMMETRIC_DEFAULT'
  // Own keys only: a KeySpec of `__proto__` or `constructor` is an unknown spec, not Object's.
  const spec = Object.hasOwn(KEY_SPECS, keySpec) ? KEY_SPECS[keySpec] : undefined
  if (spec === undefined)
    throw validation('keySpec', `Member must satisfy enum value set: [${Object.keys(KEY_SPECS).join(', ')}]`)
  const usage = (optString(input, 'KeyUsage') ?? spec.usages[0]) as KeyUsage
  if (!USAGES.includes(usage))
    throw validation('keyUsage', `Member must satisfy enum value set: [${USAGES.join(', ')}]`)
  if (!spec.usages.includes(usage))
    throw new AwsError('ValidationException', `KeyUsage ${usage} is not compatible with KeySpec ${keySpec}.`)
  if (optBool(input, 'MultiRegion'))
    throw new AwsError('UnsupportedOperationException', 'Multi-Region keys are not supported.')
  const description = optString(input, 'Description', { max: 8192 }) ?? ''
  // Tags are a map: a key repeated in the list keeps its last value, as TagResource's merge keeps it.
  const tags = mergeTags([], readTags(input))
  const now = ctx.now()
  const { created } = await getOrCreateKey(
    ctx.storage,
    ctx.state,
    keyId,
    {
      type: spec.type,
      derived: false,
      convergent: false,
      exportable: false,
      allowPlaintextBackup: false,
      autoRotatePeriod: 0,
      keySize: spec.type === 'hmac' ? 32 : 0,
    },
    now,
  )
  if (!created) throw new AwsError('AlreadyExistsException', 'A key with this id already exists.')
  const meta: KmsKeyMeta = {
    keyId,
    creationDate: now / 1000,
    description,
    keyUsage: usage,
    keySpec,
    keyState: 'Enabled',
    tags,
  }
  await saveMeta(ctx.storage, meta)
  return { KeyMetadata: keyMetadata(meta, ctx.arn(keyId), ctx.account) }
}

export async function describeKey(ctx: KmsContext, keyId: string): Promise<Output> {
  const meta = await requireMeta(ctx.storage, keyId)
  return { KeyMetadata: keyMetadata(meta, ctx.arn(keyId), ctx.account) }
}

/** The KMS keys (transit keys with KMS metadata), sorted by id; Marker is the last id of the previous page. */
export async function listKeys(ctx: KmsContext, input: Input): Promise<Output> {
  const limit = optInt(input, 'Limit', 1, 1000) ?? 100
  const marker = optString(input, 'Marker')
  const ids = (await ctx.storage.list(META_PREFIX)).filter((id) => !id.endsWith('/')).sort()
  const start = marker === undefined ? 0 : ids.findIndex((id) => id > marker)
  const rest = start === -1 ? [] : ids.slice(start)
  const page = rest.slice(0, limit)
  const out: Output = {
    Keys: page.map((id) => ({ KeyId: id, KeyArn: ctx.arn(id) })),
    Truncated: rest.length > limit,
  }
  if (rest.length > limit) out['NextMarker'] = page[page.length - 1]
  return out
}

/** Read-modify-write of a key's metadata under its lock. */
function changeMeta(
  ctx: KmsContext,
  keyId: string,
  change: (meta: KmsKeyMeta) => KmsKeyMeta | Promise<KmsKeyMeta>,
): Promise<KmsKeyMeta> {
  return ctx.state.run(META_PREFIX + keyId, async () => {
    const next = await change(await requireMeta(ctx.storage, keyId))
    await saveMeta(ctx.storage, next)
    return next
  })
}

function notPendingDeletion(ctx: KmsContext, meta: KmsKeyMeta): void {
  if (meta.keyState === 'PendingDeletion')
    throw new AwsError('KMSInvalidStateException', `${ctx.arn(meta.keyId)} is pending deletion.`)
}

export async function setEnabled(ctx: KmsContext, keyId: string, enabled: boolean): Promise<Output> {
  await changeMeta(ctx, keyId, (meta) => {
    notPendingDeletion(ctx, meta)
    return { ...meta, keyState: enabled ? 'Enabled' : 'Disabled' }
  })
  return {}
}

export async function scheduleDeletion(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const days = optInt(input, 'PendingWindowInDays', 7, 30) ?? 30
  const meta = await changeMeta(ctx, keyId, (meta) => {
    notPendingDeletion(ctx, meta)
    return {
      ...meta,
      keyState: 'PendingDeletion',
      pendingWindowInDays: days,
      deletionDate: Math.floor(ctx.now() / 1000) + days * 86400,
    }
  })
  return {
    KeyId: ctx.arn(keyId),
    DeletionDate: meta.deletionDate,
    KeyState: 'PendingDeletion',
    PendingWindowInDays: days,
  }
}

/** A cancelled deletion leaves the key Disabled, as AWS does. */
export async function cancelDeletion(ctx: KmsContext, keyId: string): Promise<Output> {
  await changeMeta(ctx, keyId, (meta) => {
    if (meta.keyState !== 'PendingDeletion')
      throw new AwsError('KMSInvalidStateException', `${ctx.arn(keyId)} is not pending deletion.`)
    const { deletionDate: _d, pendingWindowInDays: _p, ...rest } = meta
    return { ...rest, keyState: 'Disabled' }
  })
  return { KeyId: keyId }
}

/** Rotation is transit's auto_rotate_period: 365 days when enabled, 0 when disabled. */
export async function setRotation(ctx: KmsContext, keyId: string, enabled: boolean): Promise<Output> {
  const meta = await requireMeta(ctx.storage, keyId)
  if (meta.keyState === 'Disabled') throw new AwsError('DisabledException', `${ctx.arn(keyId)} is disabled.`)
  notPendingDeletion(ctx, meta)
  if (meta.keySpec !== 'SYMMETRIC_DEFAULT')
    throw new AwsError(
      'UnsupportedOperationException',
      'Only symmetric encryption keys support automatic rotation.',
    )
  await updateKey(ctx.storage, ctx.state, keyId, (key) => ({
    ...key,
    auto_rotate_period: enabled ? ROTATION_PERIOD_SECONDS : 0,
  }))
  return {}
}

export async function rotationStatus(ctx: KmsContext, keyId: string): Promise<Output> {
  await requireMeta(ctx.storage, keyId)
  const key = await loadKeyShared(ctx.storage, keyId)
  const enabled = (key?.auto_rotate_period ?? 0) > 0
  const out: Output = { KeyRotationEnabled: enabled, KeyId: keyId }
  if (enabled) out['RotationPeriodInDays'] = Math.round((key?.auto_rotate_period ?? 0) / 86400)
  return out
}

export async function tagResource(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const tags = readTags(input)
  await changeMeta(ctx, keyId, (meta) => {
    notPendingDeletion(ctx, meta)
    return { ...meta, tags: mergeTags(meta.tags, tags) }
  })
  return {}
}

export async function untagResource(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const raw = input['TagKeys']
  if (!Array.isArray(raw) || raw.some((k) => typeof k !== 'string'))
    throw validation('tagKeys', 'Member must be a list of strings')
  const drop = new Set(raw as string[])
  await changeMeta(ctx, keyId, (meta) => {
    notPendingDeletion(ctx, meta)
    return { ...meta, tags: meta.tags.filter((t) => !drop.has(t.TagKey)) }
  })
  return {}
}

export async function listTags(ctx: KmsContext, keyId: string): Promise<Output> {
  const meta = await requireMeta(ctx.storage, keyId)
  return { Tags: meta.tags, Truncated: false }
}
