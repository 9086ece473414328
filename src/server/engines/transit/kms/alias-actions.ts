// KMS alias actions: Create/Update/DeleteAlias, each under its alias's and keys' locks and their key policies; ListAliases.
import { AwsError } from '../../../../sdk/aws-error.ts'
import { optInt, optString } from '../../../../sdk/aws-input.ts'
import { actionKeyRef, aliasNotFound, parseKeyRef } from '../../../../sdk/aws-kms-routes.ts'
import { ALIAS_PREFIX, listAliasNames, loadAlias, saveAlias } from './aliases.ts'
import type { KmsContext } from './context.ts'
import { notPendingDeletion } from './key-actions.ts'
import { keyPolicyCheck } from './key-policy-check.ts'
import { readMarker } from './marker.ts'
import { type KmsKeyMeta, loadMeta, META_PREFIX, requireMeta } from './metadata.ts'

type Input = Record<string, unknown>
type Output = Record<string, unknown>

/** The key a TargetKeyId names: a key id or key ARN (AWS refuses an alias as an alias's target). */
function targetKeyId(input: Input): string {
  const ref = parseKeyRef(input['TargetKeyId'])
  if (!('keyId' in ref)) throw new AwsError('ValidationException', 'Aliases must refer to keys. Not aliases')
  return ref.keyId
}

/**
 * Run `fn` holding the metadata lock of each key (the lock PutKeyPolicy and every key change take), taken in id
 * order so that two alias writes holding two keys each never wait on each other in a cycle. Alias writes take their
 * alias's lock first and nothing takes an alias lock while holding a key's, so no cycle runs through an alias either.
 */
function underKeyLocks<T>(ctx: KmsContext, keyIds: string[], fn: () => Promise<T>): Promise<T> {
  const [first, ...rest] = [...new Set(keyIds)].sort()
  if (first === undefined) return fn()
  return ctx.state.run(META_PREFIX + first, () => underKeyLocks(ctx, rest, fn))
}

/**
 * An alias write needs its action on the alias, which the pipeline's ACL check on kms/aliases/<name> granted (AWS's
 * IAM side), and on every key it affects, from each key's policy. Checked under the keys' locks on the metadata read
 * there, so a write lands only if the policies in force when it is written allow it: never after a PutKeyPolicy that
 * denies it has answered. kms:RequestAlias is never set for alias actions, as on AWS.
 */
function authorise(
  ctx: KmsContext,
  action: 'CreateAlias' | 'UpdateAlias' | 'DeleteAlias',
  meta: KmsKeyMeta,
): void {
  keyPolicyCheck(ctx, action, meta.keyId, {})?.(meta)
}

/** AWS's three key types: an alias moves only between keys of one type and one key usage. */
function keyType(spec: string): 'symmetric' | 'HMAC' | 'asymmetric' {
  if (spec === 'SYMMETRIC_DEFAULT') return 'symmetric'
  return spec.startsWith('HMAC_') ? 'HMAC' : 'asymmetric'
}

function sameKind(current: KmsKeyMeta, next: KmsKeyMeta, name: string): void {
  if (keyType(current.keySpec) !== keyType(next.keySpec) || current.keyUsage !== next.keyUsage)
    throw new AwsError(
      'ValidationException',
      `Alias alias/${name} points to a ${keyType(current.keySpec)} key with KeyUsage ${current.keyUsage}; ` +
        `its new target must be of the same type and key usage, not a ${keyType(next.keySpec)} key with KeyUsage ${next.keyUsage}.`,
    )
}

const aliasArn = (ctx: KmsContext, name: string) => `arn:aws:kms:${ctx.region}:${ctx.account}:alias/${name}`

/** CreateAlias: kms:CreateAlias on the target key. */
export async function createAlias(ctx: KmsContext, name: string, input: Input): Promise<Output> {
  const target = targetKeyId(input)
  await requireMeta(ctx.storage, target)
  return ctx.state.run(ALIAS_PREFIX + name, () =>
    underKeyLocks(ctx, [target], async () => {
      const meta = await requireMeta(ctx.storage, target)
      authorise(ctx, 'CreateAlias', meta)
      notPendingDeletion(ctx, meta)
      if ((await loadAlias(ctx.storage, name)) !== undefined)
        throw new AwsError(
          'AlreadyExistsException',
          `An alias with the name ${aliasArn(ctx, name)} already exists`,
        )
      const now = ctx.now() / 1000
      await saveAlias(ctx.storage, name, { targetKeyId: target, creationDate: now, lastUpdatedDate: now })
      return {}
    }),
  )
}

/** UpdateAlias: kms:UpdateAlias on the key the alias points at and on the new target. */
export async function updateAlias(ctx: KmsContext, name: string, input: Input): Promise<Output> {
  const target = targetKeyId(input)
  await requireMeta(ctx.storage, target)
  return ctx.state.run(ALIAS_PREFIX + name, async () => {
    const alias = await loadAlias(ctx.storage, name)
    if (alias === undefined) throw aliasNotFound(ctx, name)
    return underKeyLocks(ctx, [alias.targetKeyId, target], async () => {
      // A current key deleted through the transit API has no policy left to ask.
      const current = await loadMeta(ctx.storage, alias.targetKeyId)
      if (current !== undefined) authorise(ctx, 'UpdateAlias', current)
      const next = await requireMeta(ctx.storage, target)
      authorise(ctx, 'UpdateAlias', next)
      notPendingDeletion(ctx, next)
      if (current !== undefined) sameKind(current, next, name)
      await saveAlias(ctx.storage, name, { ...alias, targetKeyId: target, lastUpdatedDate: ctx.now() / 1000 })
      return {}
    })
  })
}

/** DeleteAlias: kms:DeleteAlias on the key the alias points at. */
export function deleteAlias(ctx: KmsContext, name: string): Promise<Output> {
  return ctx.state.run(ALIAS_PREFIX + name, async () => {
    const alias = await loadAlias(ctx.storage, name)
    if (alias === undefined) throw aliasNotFound(ctx, name)
    await underKeyLocks(ctx, [alias.targetKeyId], async () => {
      const meta = await loadMeta(ctx.storage, alias.targetKeyId)
      if (meta !== undefined) authorise(ctx, 'DeleteAlias', meta)
      await ctx.storage.delete(ALIAS_PREFIX + name)
    })
    return {}
  })
}

/** The key an alias points at, for routing (the adapter reads it through the Vault API first). */
export async function resolveAlias(ctx: KmsContext, name: string): Promise<string> {
  const alias = await loadAlias(ctx.storage, name)
  if (alias === undefined) throw aliasNotFound(ctx, name)
  return alias.targetKeyId
}

export async function listAliases(ctx: KmsContext, input: Input): Promise<Output> {
  const limit = optInt(input, 'Limit', 1, 100) ?? 50
  const marker = readMarker(input, (m) => /^alias\/[A-Za-z0-9/_-]{1,250}$/.test(m))
  const filter = optString(input, 'KeyId')
  const wanted = filter === undefined ? undefined : actionKeyRef('ListAliases', filter)
  const all: Output[] = []
  for (const name of await listAliasNames(ctx.storage)) {
    const alias = await loadAlias(ctx.storage, name)
    if (alias === undefined) continue
    if (wanted && 'keyId' in wanted && alias.targetKeyId !== wanted.keyId) continue
    all.push({
      AliasName: `alias/${name}`,
      AliasArn: aliasArn(ctx, name),
      TargetKeyId: alias.targetKeyId,
      CreationDate: alias.creationDate,
      LastUpdatedDate: alias.lastUpdatedDate,
    })
  }
  const start = marker === undefined ? 0 : all.findIndex((a) => String(a['AliasName']) > marker)
  const rest = start === -1 ? [] : all.slice(start)
  const page = rest.slice(0, limit)
  const out: Output = { Aliases: page, Truncated: rest.length > limit }
  if (rest.length > limit) out['NextMarker'] = page[page.length - 1]?.['AliasName']
  return out
}
