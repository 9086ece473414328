// Stored shapes of entities, aliases and groups, their storage keys, and how Vault's API shows them.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { ROOT_POLICY_NAME } from '../../policy/builtin-policies.ts'

export interface AliasRecord {
  id: string
  /** The entity (or, for a group alias, the group) it belongs to. */
  canonicalId: string
  mountAccessor: string
  name: string
  metadata: Record<string, string>
  customMetadata: Record<string, string>
  /** Unix milliseconds. */
  creationTime: number
  lastUpdateTime: number
  /** The entities this alias belonged to before merges moved it here. */
  mergedFromCanonicalIds?: string[]
}

export interface EntityRecord {
  id: string
  name: string
  policies: string[]
  metadata: Record<string, string>
  disabled: boolean
  aliases: AliasRecord[]
  creationTime: number
  lastUpdateTime: number
  /** Entities merged into this one (identity/entity/merge); their tokens now act for this entity. */
  mergedEntityIds?: string[]
}

export interface GroupRecord {
  id: string
  name: string
  type: 'internal' | 'external'
  policies: string[]
  metadata: Record<string, string>
  /** Internal groups: set by the operator. External groups: recorded as members log in. */
  memberEntityIds: string[]
  /** Groups whose members inherit this group's policies (internal groups only). */
  memberGroupIds: string[]
  alias?: AliasRecord
  creationTime: number
  lastUpdateTime: number
  modifyIndex: number
}

/** Vault lower-cases, de-duplicates and sorts policy names given to entities and groups. */
export function normalizePolicies(policies: string[]): string[] {
  return [...new Set(policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== ''))].sort()
}

/**
 * Policies written to an entity or a group. Vault refuses root there ("policies cannot contain root") and, since
 * HCSEC-2025-13, compares after lower-casing, so " Root" is refused too rather than stored.
 */
export function identityPolicies(policies: string[]): string[] {
  const normalized = normalizePolicies(policies)
  if (normalized.includes(ROOT_POLICY_NAME)) throw new InvalidRequestError('policies cannot contain root')
  return normalized
}

/** A new entity with no policies or aliases; Vault names unnamed entities `entity_<8 hex>`. */
export function newEntity(id: string, name: string, now: number): EntityRecord {
  return {
    id,
    name,
    policies: [],
    metadata: {},
    disabled: false,
    aliases: [],
    creationTime: now,
    lastUpdateTime: now,
  }
}

export function putEntityOp(entity: EntityRecord): { op: 'put'; key: string; value: Uint8Array } {
  return { op: 'put', key: keys.entity(entity.id), value: new TextEncoder().encode(JSON.stringify(entity)) }
}

/** How a mount accessor is described next to an alias; undefined when no such auth mount exists. */
export type MountLookup = (accessor: string) => { path: string; type: string; local?: boolean } | undefined

/** Names and alias names index case-insensitively (Vault's default) and may hold '/', so keys encode them. */
export function nameKey(name: string): string {
  return encodeURIComponent(name.toLowerCase())
}

export const keys = {
  entity: (id: string) => `entity/${id}`,
  entityName: (name: string) => `entity-name/${nameKey(name)}`,
  alias: (id: string) => `alias/${id}`,
  aliasKey: (accessor: string, name: string) => `alias-key/${accessor}/${nameKey(name)}`,
  aliasKeyPrefix: (accessor: string) => `alias-key/${accessor}/`,
  group: (id: string) => `group/${id}`,
  /** Direct membership of an entity in a group (internal or external), for finding an entity's groups. */
  member: (entityId: string, groupId: string) => `member/${entityId}/${groupId}`,
  memberPrefix: (entityId: string) => `member/${entityId}/`,
  /** An entity merged away → the entity it was merged into, so its tokens keep their identity. */
  merged: (entityId: string) => `merged/${entityId}`,
}

function time(ms: number): string {
  return new Date(ms).toISOString()
}

function orNull<T extends object>(value: T): T | null {
  return Object.keys(value).length === 0 ? null : value
}

/**
 * A group's lists as Vault reads them back: protobuf fields and a `var ids []string` built from memdb, so an empty
 * one is a nil slice, JSON null (vault/identity_store_groups.go handleGroupReadCommon), as after any restart.
 */
function listOrNull(value: string[]): string[] | null {
  return value.length === 0 ? null : value
}

export function aliasView(alias: AliasRecord, mounts: MountLookup): Record<string, unknown> {
  const mount = mounts(alias.mountAccessor)
  return {
    id: alias.id,
    canonical_id: alias.canonicalId,
    mount_accessor: alias.mountAccessor,
    mount_path: mount?.path ?? '',
    mount_type: mount?.type ?? '',
    name: alias.name,
    metadata: orNull(alias.metadata),
    custom_metadata: orNull(alias.customMetadata),
    creation_time: time(alias.creationTime),
    last_update_time: time(alias.lastUpdateTime),
    local: false,
    merged_from_canonical_ids: alias.mergedFromCanonicalIds?.length ? alias.mergedFromCanonicalIds : null,
    namespace_id: 'root',
  }
}

/**
 * Vault's entity read (handleEntityReadCommon) builds policies with strutil.RemoveDuplicates and the alias and group
 * lists with make(), so those are [] when empty; merged_entity_ids is the stored slice, so null when empty.
 */
export function entityView(
  entity: EntityRecord,
  groups: { direct: string[]; inherited: string[] },
  mounts: MountLookup,
): Record<string, unknown> {
  return {
    id: entity.id,
    name: entity.name,
    policies: entity.policies,
    metadata: orNull(entity.metadata),
    disabled: entity.disabled,
    // Vault's entity read lists each alias without its namespace_id.
    aliases: entity.aliases.map((alias) => {
      const { namespace_id: _, ...rest } = aliasView(alias, mounts)
      return rest
    }),
    direct_group_ids: groups.direct,
    inherited_group_ids: groups.inherited,
    group_ids: [...groups.direct, ...groups.inherited],
    creation_time: time(entity.creationTime),
    last_update_time: time(entity.lastUpdateTime),
    merged_entity_ids: entity.mergedEntityIds?.length ? entity.mergedEntityIds : null,
    namespace_id: 'root',
  }
}

export function groupView(
  group: GroupRecord,
  parentGroupIds: string[],
  mounts: MountLookup,
): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    type: group.type,
    policies: listOrNull(group.policies),
    metadata: orNull(group.metadata),
    member_entity_ids: listOrNull(group.memberEntityIds),
    member_group_ids: listOrNull(group.memberGroupIds),
    parent_group_ids: listOrNull(parentGroupIds),
    alias: group.alias ? groupAliasBrief(group.alias, mounts) : {},
    creation_time: time(group.creationTime),
    last_update_time: time(group.lastUpdateTime),
    modify_index: group.modifyIndex,
    namespace_id: 'root',
  }
}

/** An alias's entry in an alias list's key_info, with the fields Vault's handleAliasListCommon gives. */
export function aliasListInfo(alias: AliasRecord, mounts: MountLookup): Record<string, unknown> {
  const view = aliasView(alias, mounts)
  const { name, canonical_id, mount_accessor, custom_metadata, metadata, local, mount_type, mount_path } =
    view
  return { name, canonical_id, mount_accessor, custom_metadata, metadata, local, mount_type, mount_path }
}

/** An entity's entry in the entity id list's key_info: its name, and its aliases (when it has any) in brief. */
export function entityListInfo(entity: EntityRecord, mounts: MountLookup): Record<string, unknown> {
  if (entity.aliases.length === 0) return { name: entity.name }
  const aliases = entity.aliases.map((a) => {
    const { id, name, mount_accessor, mount_type, mount_path } = aliasView(a, mounts)
    return { id, name, mount_accessor, mount_type, mount_path }
  })
  return { name: entity.name, aliases }
}

/** A group's entry in the group id list's key_info: counts of members and parents, and its alias in brief. */
export function groupListInfo(
  group: GroupRecord,
  parentGroupIds: string[],
  mounts: MountLookup,
): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    name: group.name,
    num_member_entities: group.memberEntityIds.length,
    num_parent_groups: parentGroupIds.length,
  }
  if (group.alias) {
    const { id, name, mount_accessor, mount_type, mount_path } = aliasView(group.alias, mounts)
    entry['alias'] = { id, name, mount_accessor, mount_type, mount_path }
  }
  return entry
}

/** A group read's alias (handleGroupReadCommon): the alias fields without custom_metadata, local or namespace_id. */
function groupAliasBrief(alias: AliasRecord, mounts: MountLookup): Record<string, unknown> {
  const { custom_metadata: _c, local: _l, namespace_id: _n, ...rest } = aliasView(alias, mounts)
  return rest
}
