// identity/entity/merge: move other entities' aliases and group memberships into one entity and delete them.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { Storage, StorageOp } from '../../../sdk/storage.ts'
import type { GroupIndex } from './group-index.ts'
import { bumpGroup, putGroupOp } from './group-writes.ts'
import {
  type AliasRecord,
  type EntityRecord,
  type GroupRecord,
  keys,
  type MountLookup,
  putEntityOp,
} from './records.ts'

export interface MergeDeps {
  storage: Storage
  groups: GroupIndex
  now: () => number
  mounts: MountLookup
  entity(id: string): Promise<EntityRecord | undefined>
}

export interface MergeInput {
  toEntityId: string
  fromEntityIds: string[]
  /** When a moved alias and one already on the target share a mount, the one of these IDs survives. */
  keepAliasIds: string[]
}

const encoder = new TextEncoder()

/**
 * Merge in one atomic batch. An entity may hold one alias per auth mount, so two aliases on the same mount
 * conflict: `keepAliasIds` names the survivor, otherwise the merge is refused and nothing changes. Policies and
 * metadata of the merged entities are not carried over (as in Vault); their tokens act for the target entity.
 */
export async function mergeEntities(deps: MergeDeps, input: MergeInput): Promise<GroupRecord[]> {
  const { storage, groups, now } = deps
  const fromIds = [...new Set(input.fromEntityIds.filter((id) => id !== ''))]
  if (fromIds.length === 0) throw new InvalidRequestError('missing entity ids to merge from')
  // Vault's order (mergeEntity): the target, then the several-sources rule, then each source in turn.
  const target = await deps.entity(input.toEntityId)
  if (!target) throw new InvalidRequestError('entity id to merge to is invalid')
  // Which alias survives a clash is chosen per pair of entities: with several sources, a list of survivors could
  // name one for each clash and leave the outcome to the order of the sources, so Vault asks for one at a time.
  if (fromIds.length > 1 && input.keepAliasIds.length > 1)
    throw new InvalidRequestError(
      'aliases conflicts cannot be resolved with multiple from entity ids - merge one entity at a time',
    )
  const sources: EntityRecord[] = []
  for (const id of fromIds) {
    if (id === input.toEntityId)
      throw new InvalidRequestError('to_entity_id should not be present in from_entity_ids')
    const source = await deps.entity(id)
    if (!source) throw new InvalidRequestError('entity id to merge from is invalid')
    sources.push(source)
  }

  if (input.keepAliasIds.length === 0) refuseClashes(target, sources, deps.mounts)

  const ops: StorageOp[] = []
  const dropAlias = (alias: AliasRecord) =>
    ops.push(
      { op: 'delete', key: keys.alias(alias.id) },
      { op: 'delete', key: keys.aliasKey(alias.mountAccessor, alias.name) },
    )
  const aliases = [...target.aliases]
  const merged = [...(target.mergedEntityIds ?? [])]
  const changedGroups = new Map<string, GroupRecord>()
  for (const source of sources) {
    for (const alias of source.aliases) {
      const moved: AliasRecord = {
        ...alias,
        canonicalId: target.id,
        mergedFromCanonicalIds: [...(alias.mergedFromCanonicalIds ?? []), source.id],
        lastUpdateTime: now(),
      }
      const clash = aliases.findIndex((a) => a.mountAccessor === alias.mountAccessor)
      if (clash !== -1) {
        const existing = aliases[clash]!
        if (input.keepAliasIds.includes(alias.id)) {
          dropAlias(existing)
          aliases[clash] = moved
        } else if (input.keepAliasIds.includes(existing.id)) {
          dropAlias(alias)
          continue
        } else
          throw new InvalidRequestError(
            `conflicting mount accessors in following alias IDs and neither were present in conflicting_alias_ids_to_keep: ${alias.id}, ${existing.id}`,
          )
      } else aliases.push(moved)
      const entityId = encoder.encode(target.id)
      ops.push(
        { op: 'put', key: keys.alias(alias.id), value: entityId },
        { op: 'put', key: keys.aliasKey(alias.mountAccessor, alias.name), value: entityId },
      )
    }
    merged.push(source.id, ...(source.mergedEntityIds ?? []))
    // Group memberships move to the target.
    for (const groupId of await storage.list(keys.memberPrefix(source.id))) {
      ops.push({ op: 'delete', key: keys.member(source.id, groupId) })
      const group = changedGroups.get(groupId) ?? groups.get(groupId)
      if (!group) continue
      const members = group.memberEntityIds.map((id) => (id === source.id ? target.id : id))
      changedGroups.set(groupId, bumpGroup({ ...group, memberEntityIds: [...new Set(members)] }, now()))
      ops.push({ op: 'put', key: keys.member(target.id, groupId), value: new Uint8Array() })
    }
    ops.push(
      { op: 'delete', key: keys.entity(source.id) },
      { op: 'delete', key: keys.entityName(source.name) },
    )
  }
  for (const id of merged) ops.push({ op: 'put', key: keys.merged(id), value: encoder.encode(target.id) })
  for (const group of changedGroups.values()) ops.push(putGroupOp(group))
  ops.push(putEntityOp({ ...target, aliases, mergedEntityIds: merged, lastUpdateTime: now() }))
  await storage.batch(ops)
  return [...changedGroups.values()]
}

/**
 * With no alias named to keep, Vault checks every source before changing anything and answers all the clashes at
 * once: a mount shared by two sources is refused outright (they must be merged one at a time), and aliases of the
 * target and a source sharing a mount are listed, in the error text and as `data` rows the UI shows.
 */
function refuseClashes(target: EntityRecord, sources: EntityRecord[], mounts: MountLookup): void {
  const sourceOfMount = new Map<string, string>()
  const lines: string[] = []
  const rows: Record<string, string>[] = []
  const row = (entity: EntityRecord, alias: AliasRecord) => {
    const mount = mounts(alias.mountAccessor)
    return {
      alias: alias.name,
      entity: entity.name,
      entity_id: entity.id,
      mount: mount?.type ?? '',
      mount_path: mount?.path ?? '',
    }
  }
  for (const source of sources) {
    for (const fromAlias of source.aliases) {
      const other = sourceOfMount.get(fromAlias.mountAccessor)
      if (other !== undefined && other !== source.id)
        throw new InvalidRequestError(
          `mount accessor ${fromAlias.mountAccessor} found in multiple fromEntities, merge should be done with one fromEntity at a time`,
        )
      sourceOfMount.set(fromAlias.mountAccessor, source.id)
      for (const toAlias of target.aliases) {
        if (toAlias.mountAccessor !== fromAlias.mountAccessor) continue
        lines.push(
          `mountAccessor: ${toAlias.mountAccessor}, toEntity ID: ${target.id}, fromEntity ID: ${source.id}, conflicting toEntity alias ID: ${toAlias.id}, conflicting fromEntity alias ID: ${fromAlias.id}`,
        )
        rows.push(row(target, toAlias), row(source, fromAlias))
      }
    }
  }
  if (lines.length === 0) return
  // Vault's multierror text: a heading error, then one error per clash.
  const errors = [
    'toEntity and at least one fromEntity have aliases with the same mount accessor, repeat the merge request specifying exactly one fromEntity, clashes: ',
    ...lines,
  ]
  const text = `${errors.length} errors occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`
  throw new InvalidRequestError(text, { data: rows })
}
