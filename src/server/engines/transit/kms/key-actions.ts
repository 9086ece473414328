// KMS key lifecycle actions: CreateKey, DescribeKey, ListKeys, enabling, rotation, scheduled deletion and tags.
import { AwsError } from '../../../../sdk/aws-error.ts'
import { optBool, optInt, optString, validation } from '../../../../sdk/aws-input.ts'
import { rotationDue } from '../auto-rotate.ts'
import { getOrCreateKey, updateKey } from '../keyring.ts'
import { loadKeyShared } from '../model.ts'
import type { KmsContext } from './context.ts'
import { readPolicy } from './key-policy.ts'
import { lockoutCheck } from './key-policy-check.ts'
import { readMarker } from './marker.ts'
import {
  KEY_SPECS,
  type KeyUsage,
  type KmsKeyMeta,
  keyMetadata,
  META_PREFIX,
  MODEL_KEY_SPECS,
  requireMeta,
  saveMeta,
  type Tag,
} from './metadata.ts'

type Input = Record<string, unknown>
type Output = Record<string, unknown>

/** AWS's rotation period bounds and its yearly default, in days; transit's auto_rotate_period is in seconds. */
const MIN_ROTATION_DAYS = 90
const MAX_ROTATION_DAYS = 2560
const DEFAULT_ROTATION_DAYS = 365
const DAY_SECONDS = 24 * 3600
/** A key id, which is what a ListKeys NextMarker is. */
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const USAGES: KeyUsage[] = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC']
/** The model's fourth KeyUsage, for DeriveSharedSecret, which this server does not have. */
const KEY_AGREEMENT = 'KEY_AGREEMENT'

function readTags(input: Input, name = 'Tags'): Tag[] {
  const raw = input[name]
  if (raw === undefined) return []
  if (!Array.isArray(raw)) throw validation('tags', 'Member must be a list')
  return raw.map((tag) => {
    const t = tag as Record<string, unknown>
    if (typeof t?.['TagKey'] !== 'string' || typeof t['TagValue'] !== 'string')
      throw validation('tags', 'Each tag must have a string TagKey and TagValue')
    const key = t['TagKey']
    if (key.length < 1 || key.length > 128)
      throw validation('tags.member.tagKey', 'Member must have length between 1 and 128')
    if (t['TagValue'].length > 256)
      throw validation('tags.member.tagValue', 'Member must have length less than or equal to 256')
    // AWS keeps the aws: prefix for its own tags.
    if (key.toLowerCase().startsWith('aws:'))
      throw new AwsError('TagException', 'Tag keys beginning with aws: are reserved.')
    return { TagKey: key, TagValue: t['TagValue'] }
  })
}

/** AWS's quota of tags per KMS key. */
const MAX_TAGS = 50

function mergeTags(current: Tag[], added: Tag[]): Tag[] {
  const byKey = new Map(current.map((t) => [t.TagKey, t]))
  for (const tag of added) byKey.set(tag.TagKey, tag)
  if (byKey.size > MAX_TAGS)
    throw new AwsError('LimitExceededException', `A KMS key can have at most ${MAX_TAGS} tags.`)
  return [...byKey.values()]
}

const ORIGINS = ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE']

/**
 * Key material is always made here (Origin AWS_KMS): a key asked for with imported material or in a custom key
 * store would otherwise be created as an ordinary key, which is not what the caller asked for.
 */
function refuseOtherOrigins(input: Input): void {
  const origin = optString(input, 'Origin') ?? 'AWS_KMS'
  if (!ORIGINS.includes(origin))
    throw validation('origin', `Member must satisfy enum value set: [${ORIGINS.join(', ')}]`)
  const store = optString(input, 'CustomKeyStoreId', { min: 1, max: 64 })
  const xksKey = optString(input, 'XksKeyId', { min: 1, max: 128 })
  if (origin !== 'AWS_KMS')
    throw new AwsError('UnsupportedOperationException', `Keys of Origin ${origin} are not supported.`)
  if (store !== undefined)
    throw new AwsError('CustomKeyStoreNotFoundException', 'There are no custom key stores on this server.')
  if (xksKey !== undefined)
    throw new AwsError(
      'UnsupportedOperationException',
      'XksKeyId needs an external key store, which this server does not have.',
    )
}

export async function createKey(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const keySpec =
    optString(input, 'KeySpec') ?? optString(input, 'CustomerMasterKeySpec') ?? 'SYMMETRIC_DEFAULT'
  // Own keys only: a KeySpec of `__proto__` or `constructor` is an unknown spec, not Object's.
  const spec = Object.hasOwn(KEY_SPECS, keySpec) ? KEY_SPECS[keySpec] : undefined
  if (!MODEL_KEY_SPECS.includes(keySpec))
    throw validation('keySpec', `Member must satisfy enum value set: [${MODEL_KEY_SPECS.join(', ')}]`)
  if (spec === undefined)
    throw new AwsError('UnsupportedOperationException', `KeySpec ${keySpec} is not supported by this server.`)
  const requested = optString(input, 'KeyUsage') ?? (spec.usages[0] as KeyUsage)
  if (requested === KEY_AGREEMENT)
    throw new AwsError(
      'UnsupportedOperationException',
      'KeyUsage KEY_AGREEMENT is not supported by this server.',
    )
  if (!(USAGES as string[]).includes(requested))
    throw validation(
      'keyUsage',
      `Member must satisfy enum value set: [${[...USAGES, KEY_AGREEMENT].join(', ')}]`,
    )
  const usage = requested as KeyUsage
  if (!spec.usages.includes(usage))
    throw new AwsError('ValidationException', `KeyUsage ${usage} is not compatible with KeySpec ${keySpec}.`)
  if (optBool(input, 'MultiRegion'))
    throw new AwsError('UnsupportedOperationException', 'Multi-Region keys are not supported.')
  refuseOtherOrigins(input)
  // The key policy governs every KMS call on the key (dispatch.ts); it must let its creator manage it later.
  const policy = readPolicy(input)
  const bypass = optBool(input, 'BypassPolicyLockoutSafetyCheck') === true
  if (policy !== undefined && !bypass) lockoutCheck(ctx, keyId, policy)
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
      keySize: spec.hmacKeyBytes ?? 0,
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
    ...(policy !== undefined ? { policy } : {}),
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
  const marker = readMarker(input, (m) => KEY_ID.test(m))
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

/**
 * Read-modify-write of a key's metadata under its lock. The caller's key policy check is repeated on the metadata
 * read here: checked only before the lock, a change allowed by the policy then could land after a PutKeyPolicy
 * that denies it had answered.
 */
export function changeMeta(
  ctx: KmsContext,
  keyId: string,
  change: (meta: KmsKeyMeta) => KmsKeyMeta | Promise<KmsKeyMeta>,
): Promise<KmsKeyMeta> {
  return ctx.state.run(META_PREFIX + keyId, async () => {
    const current = await requireMeta(ctx.storage, keyId)
    ctx.checkPolicy?.(current)
    const next = await change(current)
    await saveMeta(ctx.storage, next)
    return next
  })
}

export function notPendingDeletion(ctx: KmsContext, meta: KmsKeyMeta): void {
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

/** A cancelled deletion leaves the key Disabled, as AWS does; the answer names the key by its ARN, as AWS's. */
export async function cancelDeletion(ctx: KmsContext, keyId: string): Promise<Output> {
  await changeMeta(ctx, keyId, (meta) => {
    if (meta.keyState !== 'PendingDeletion')
      throw new AwsError('KMSInvalidStateException', `${ctx.arn(keyId)} is not pending deletion.`)
    const { deletionDate: _d, pendingWindowInDays: _p, ...rest } = meta
    return { ...rest, keyState: 'Disabled' }
  })
  return { KeyId: ctx.arn(keyId) }
}

/** Rotation is transit's auto_rotate_period: RotationPeriodInDays (365 unless given) when enabled, 0 when disabled. */
export async function setRotation(
  ctx: KmsContext,
  keyId: string,
  enabled: boolean,
  input: Input = {},
): Promise<Output> {
  const days = enabled
    ? (optInt(input, 'RotationPeriodInDays', MIN_ROTATION_DAYS, MAX_ROTATION_DAYS) ?? DEFAULT_ROTATION_DAYS)
    : 0
  // Under the metadata lock (then the key's, as RotateKeyOnDemand takes them), so the state and the key policy
  // checked are the ones in force when the period is written.
  await ctx.state.run(META_PREFIX + keyId, async () => {
    const meta = await requireMeta(ctx.storage, keyId)
    ctx.checkPolicy?.(meta)
    if (meta.keyState === 'Disabled')
      throw new AwsError('DisabledException', `${ctx.arn(keyId)} is disabled.`)
    notPendingDeletion(ctx, meta)
    if (meta.keySpec !== 'SYMMETRIC_DEFAULT')
      throw new AwsError(
        'UnsupportedOperationException',
        'Only symmetric encryption keys support automatic rotation.',
      )
    await updateKey(ctx.storage, ctx.state, keyId, (key) => ({
      ...key,
      auto_rotate_period: days * DAY_SECONDS,
    }))
  })
  return {}
}

export async function rotationStatus(ctx: KmsContext, keyId: string): Promise<Output> {
  await requireMeta(ctx.storage, keyId)
  const key = await loadKeyShared(ctx.storage, keyId)
  const enabled = (key?.auto_rotate_period ?? 0) > 0
  const out: Output = { KeyRotationEnabled: enabled, KeyId: keyId }
  if (enabled) out['RotationPeriodInDays'] = Math.round((key?.auto_rotate_period ?? 0) / 86400)
  // When transit's schedule rotates the key next: its latest version's creation plus the period.
  const due = key === undefined ? undefined : rotationDue(key)
  if (enabled && due !== undefined) out['NextRotationDate'] = due / 1000
  return out
}

export async function tagResource(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  if (input['Tags'] === undefined || input['Tags'] === null)
    throw validation('tags', 'Member must not be null')
  const tags = readTags(input)
  await changeMeta(ctx, keyId, (meta) => {
    notPendingDeletion(ctx, meta)
    return { ...meta, tags: mergeTags(meta.tags, tags) }
  })
  return {}
}

export async function untagResource(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const raw = input['TagKeys']
  if (!Array.isArray(raw) || raw.some((k) => typeof k !== 'string' || k.length < 1 || k.length > 128))
    throw validation('tagKeys', 'Member must be a list of strings of length between 1 and 128')
  const drop = new Set(raw as string[])
  await changeMeta(ctx, keyId, (meta) => {
    notPendingDeletion(ctx, meta)
    return { ...meta, tags: meta.tags.filter((t) => !drop.has(t.TagKey)) }
  })
  return {}
}

/** A key's tags in the order they were added, Limit at a time; NextMarker is the last TagKey of the page. */
export async function listTags(ctx: KmsContext, keyId: string, input: Input): Promise<Output> {
  const limit = optInt(input, 'Limit', 1, 1000) ?? 50
  const meta = await requireMeta(ctx.storage, keyId)
  const keys = meta.tags.map((t) => t.TagKey)
  const marker = readMarker(input, (m) => keys.includes(m))
  const rest = marker === undefined ? meta.tags : meta.tags.slice(keys.indexOf(marker) + 1)
  const page = rest.slice(0, limit)
  const out: Output = { Tags: page, Truncated: rest.length > limit }
  if (rest.length > limit) out['NextMarker'] = page[page.length - 1]!.TagKey
  return out
}
