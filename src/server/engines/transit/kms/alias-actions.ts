// KMS alias actions: CreateAlias, UpdateAlias, DeleteAlias and ListAliases, each alias change under the alias's lock.
import { AwsError } from '../../../../sdk/aws-error.ts'
import { optInt, optString } from '../../../../sdk/aws-input.ts'
import { parseKeyRef } from '../../../../sdk/aws-kms-routes.ts'
import { ALIAS_PREFIX, listAliasNames, loadAlias, saveAlias } from './aliases.ts'
import type { KmsContext } from './context.ts'
import { readMarker } from './marker.ts'
import { keyNotFound, requireMeta } from './metadata.ts'

type Input = Record<string, unknown>
type Output = Record<string, unknown>

/** The key a TargetKeyId names: a key id or key ARN (AWS refuses an alias as an alias's target). */
async function targetKey(ctx: KmsContext, input: Input): Promise<string> {
  const ref = parseKeyRef(input['TargetKeyId'])
  if (!('keyId' in ref))
    throw new AwsError('ValidationException', 'TargetKeyId must be a key id or key ARN, not an alias.')
  const meta = await requireMeta(ctx.storage, ref.keyId)
  if (meta.keyState === 'PendingDeletion')
    throw new AwsError('KMSInvalidStateException', `${ctx.arn(ref.keyId)} is pending deletion.`)
  return ref.keyId
}

const aliasNotFound = (name: string) => new AwsError('NotFoundException', `Alias alias/${name} is not found.`)

export async function createAlias(ctx: KmsContext, name: string, input: Input): Promise<Output> {
  const target = await targetKey(ctx, input)
  return ctx.state.run(ALIAS_PREFIX + name, async () => {
    if ((await loadAlias(ctx.storage, name)) !== undefined)
      throw new AwsError('AlreadyExistsException', `An alias with the name alias/${name} already exists`)
    const now = ctx.now() / 1000
    await saveAlias(ctx.storage, name, { targetKeyId: target, creationDate: now, lastUpdatedDate: now })
    return {}
  })
}

export async function updateAlias(ctx: KmsContext, name: string, input: Input): Promise<Output> {
  const target = await targetKey(ctx, input)
  return ctx.state.run(ALIAS_PREFIX + name, async () => {
    const alias = await loadAlias(ctx.storage, name)
    if (alias === undefined) throw aliasNotFound(name)
    await saveAlias(ctx.storage, name, { ...alias, targetKeyId: target, lastUpdatedDate: ctx.now() / 1000 })
    return {}
  })
}

export function deleteAlias(ctx: KmsContext, name: string): Promise<Output> {
  return ctx.state.run(ALIAS_PREFIX + name, async () => {
    if ((await loadAlias(ctx.storage, name)) === undefined) throw aliasNotFound(name)
    await ctx.storage.delete(ALIAS_PREFIX + name)
    return {}
  })
}

/** The key an alias points at, for routing (the adapter reads it through the Vault API first). */
export async function resolveAlias(ctx: KmsContext, name: string): Promise<string> {
  const alias = await loadAlias(ctx.storage, name)
  if (alias === undefined) throw aliasNotFound(name)
  return alias.targetKeyId
}

export async function listAliases(ctx: KmsContext, input: Input): Promise<Output> {
  const limit = optInt(input, 'Limit', 1, 100) ?? 50
  const marker = readMarker(input, (m) => /^alias\/[A-Za-z0-9/_-]{1,250}$/.test(m))
  const filter = optString(input, 'KeyId')
  const wanted = filter === undefined ? undefined : parseKeyRef(filter)
  if (wanted !== undefined && !('keyId' in wanted)) throw keyNotFound(filter ?? '')
  const all: Output[] = []
  for (const name of await listAliasNames(ctx.storage)) {
    const alias = await loadAlias(ctx.storage, name)
    if (alias === undefined) continue
    if (wanted && 'keyId' in wanted && alias.targetKeyId !== wanted.keyId) continue
    all.push({
      AliasName: `alias/${name}`,
      AliasArn: `arn:aws:kms:${ctx.region}:${ctx.account}:alias/${name}`,
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
