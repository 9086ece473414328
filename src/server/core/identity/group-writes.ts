// Writes to identity groups and their aliases, and the external-group memberships a login brings in line.
import { randomBytes, randomUUID } from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { Storage, StorageOp } from '../../../sdk/storage.ts'
import type { GroupIndex } from './group-index.ts'
import { type AliasRecord, type GroupRecord, identityPolicies, keys } from './records.ts'

export interface GroupInput {
  name?: string
  type?: string
  policies?: string[]
  metadata?: Record<string, string>
  memberEntityIds?: string[]
  memberGroupIds?: string[]
}

/** What group writes need from the identity store: its storage, index, clock and serialised write lock. */
export interface GroupWriteContext {
  storage: Storage
  groups: GroupIndex
  now: () => number
  /** `scope`: the entities a successful write can concern (their tokens' access); every entity when absent. */
  write<T>(fn: () => Promise<T>, scope?: (result: T) => readonly string[] | undefined): Promise<T>
  entityExists(id: string): Promise<boolean>
  checkAccessor(accessor: string): void
}

const encoder = new TextEncoder()

export function putGroupOp(group: GroupRecord): StorageOp {
  return { op: 'put', key: keys.group(group.id), value: encoder.encode(JSON.stringify(group)) }
}

/** Mark a changed group (Vault's modify_index and last_update_time). */
export function bumpGroup(group: GroupRecord, now: number): GroupRecord {
  group.modifyIndex += 1
  group.lastUpdateTime = now
  return group
}

/** The external groups on `accessor` whose membership of `entityId` must change to match `groupNames`. */
export function planExternalGroupSync(
  groups: GroupIndex,
  entityId: string,
  accessor: string,
  groupNames: string[],
): GroupRecord[] {
  const wanted = new Set<string>()
  for (const name of groupNames) {
    const group = groups.byAlias(accessor, name)
    if (group?.type === 'external') wanted.add(group.id)
  }
  const changes: GroupRecord[] = []
  for (const group of groups.all) {
    if (group.type !== 'external' || group.alias?.mountAccessor !== accessor) continue
    const member = group.memberEntityIds.includes(entityId)
    if (member === wanted.has(group.id)) continue
    const memberEntityIds = member
      ? group.memberEntityIds.filter((e) => e !== entityId)
      : [...group.memberEntityIds, entityId].sort()
    changes.push({ ...group, memberEntityIds })
  }
  return changes
}

/** An external group with nothing set, for an alias created without canonical_id; `group_<8 hex>` as in Vault. */
function newExternalGroup(groups: GroupIndex, now: number): GroupRecord {
  let name: string
  do name = `group_${randomBytes(4).toString('hex')}`
  while (groups.byName(name))
  return {
    id: randomUUID(),
    name,
    type: 'external',
    policies: [],
    metadata: {},
    memberEntityIds: [],
    memberGroupIds: [],
    creationTime: now,
    lastUpdateTime: now,
    modifyIndex: 0,
  }
}

export class GroupWrites {
  readonly #ctx: GroupWriteContext

  constructor(ctx: GroupWriteContext) {
    this.#ctx = ctx
  }

  /**
   * Apply a planned external-group sync for one entity (under the write lock, planned again there). `concerned`
   * reads, under the lock, the entity ids whose tokens act as it (its own, and those merged into it).
   */
  async syncExternal(
    entityId: string,
    accessor: string,
    groupNames: string[],
    concerned: () => Promise<readonly string[]>,
  ): Promise<void> {
    const { groups, storage, now } = this.#ctx
    await this.#ctx.write(
      async () => {
        const changes = planExternalGroupSync(groups, entityId, accessor, groupNames).map((group) =>
          bumpGroup(group, now()),
        )
        const ops: StorageOp[] = changes.map(putGroupOp)
        for (const group of changes) {
          ops.push(
            group.memberEntityIds.includes(entityId)
              ? { op: 'put', key: keys.member(entityId, group.id), value: new Uint8Array() }
              : { op: 'delete', key: keys.member(entityId, group.id) },
          )
        }
        await storage.batch(ops)
        for (const group of changes) groups.set(group)
        // Stored already: a failed read widens the recheck to every stream rather than failing the login.
        return concerned().catch(() => undefined)
      },
      // Only this entity's memberships changed, so only its tokens' access (direct or inherited groups) can have.
      (ids) => ids,
    )
  }

  /** Create or update a group: by `id` (it must exist), else the group of that name, else a new one. */
  upsertGroup(id: string | undefined, input: GroupInput): Promise<{ group: GroupRecord; created: boolean }> {
    const { groups, storage } = this.#ctx
    return this.#ctx.write(async () => {
      let existing: GroupRecord | undefined
      if (id) {
        existing = groups.get(id)
        if (!existing) throw new InvalidRequestError('invalid group ID')
      } else if (input.name) existing = groups.byName(input.name)
      const type = input.type === undefined || input.type === '' ? (existing?.type ?? 'internal') : input.type
      if (type !== 'internal' && type !== 'external')
        throw new InvalidRequestError(`invalid group type "${type}"`)
      if (existing && existing.type !== type) throw new InvalidRequestError('group type cannot be changed')
      if (type === 'external' && input.memberEntityIds?.length)
        throw new InvalidRequestError("member entities can't be set manually for external groups")
      if (type === 'external' && input.memberGroupIds?.length)
        throw new InvalidRequestError("member groups can't be set for external groups")
      const now = this.#ctx.now()
      const group: GroupRecord = existing
        ? { ...existing, lastUpdateTime: now, modifyIndex: existing.modifyIndex + 1 }
        : {
            id: randomUUID(),
            name: input.name || `group_${randomBytes(4).toString('hex')}`,
            type,
            policies: [],
            metadata: {},
            memberEntityIds: [],
            memberGroupIds: [],
            creationTime: now,
            lastUpdateTime: now,
            modifyIndex: 1,
          }
      if (input.name && input.name !== group.name) {
        const holder = groups.byName(input.name)
        if (holder && holder.id !== group.id) throw new InvalidRequestError('group name is already in use')
        group.name = input.name
      }
      if (input.policies !== undefined) group.policies = identityPolicies(input.policies)
      if (input.metadata !== undefined) group.metadata = input.metadata
      const ops: StorageOp[] = []
      if (input.memberGroupIds !== undefined) {
        const members = [...new Set(input.memberGroupIds)].sort()
        groups.checkMemberGroups(group.id, members)
        group.memberGroupIds = members
      }
      if (input.memberEntityIds !== undefined) {
        const members = [...new Set(input.memberEntityIds)].sort()
        for (const entityId of members) {
          if (!(await this.#ctx.entityExists(entityId)))
            throw new InvalidRequestError(`invalid entity ID "${entityId}"`)
        }
        const before = new Set(existing?.memberEntityIds ?? [])
        for (const entityId of members) {
          if (!before.delete(entityId))
            ops.push({ op: 'put', key: keys.member(entityId, group.id), value: new Uint8Array() })
        }
        for (const gone of before) ops.push({ op: 'delete', key: keys.member(gone, group.id) })
        group.memberEntityIds = members
      }
      ops.push(putGroupOp(group))
      await storage.batch(ops)
      groups.set(group)
      return { group, created: !existing }
    })
  }

  /** Delete a group: its memberships and alias go with it, and no group lists it as a member any more. */
  deleteGroup(id: string): Promise<boolean> {
    const { groups, storage } = this.#ctx
    return this.#ctx.write(async () => {
      const group = groups.get(id)
      if (!group) return false
      const ops: StorageOp[] = [{ op: 'delete', key: keys.group(id) }]
      for (const entityId of group.memberEntityIds) ops.push({ op: 'delete', key: keys.member(entityId, id) })
      const parents = groups.parentsOf(id).map((parentId) => {
        const parent = groups.get(parentId)!
        return bumpGroup(
          { ...parent, memberGroupIds: parent.memberGroupIds.filter((g) => g !== id) },
          this.#ctx.now(),
        )
      })
      for (const parent of parents) ops.push(putGroupOp(parent))
      await storage.batch(ops)
      groups.delete(id)
      for (const parent of parents) groups.set(parent)
      return true
    })
  }

  /** Create or update an external group's alias: the group name an auth mount reports at login. */
  upsertGroupAlias(
    id: string | undefined,
    input: { name?: string; mountAccessor?: string; canonicalId?: string },
  ): Promise<{ alias: AliasRecord; created: boolean }> {
    const { groups, storage } = this.#ctx
    return this.#ctx.write(async () => {
      const current = id ? groups.byAliasId(id) : undefined
      if (id && !current) throw new InvalidRequestError('invalid group alias ID')
      const name = input.name ?? current?.alias?.name
      const accessor = input.mountAccessor ?? current?.alias?.mountAccessor
      const canonicalId = input.canonicalId || current?.id
      if (!name) throw new InvalidRequestError('missing alias name')
      if (!accessor) throw new InvalidRequestError('missing mount_accessor')
      this.#ctx.checkAccessor(accessor)
      const now = this.#ctx.now()
      // Vault (handleGroupAliasUpdateCommon): a new alias without canonical_id gets a new external group of its
      // own, named as Vault names unnamed groups; the response's canonical_id is that group's id.
      const target = canonicalId ? groups.get(canonicalId) : newExternalGroup(groups, now)
      if (!target) throw new InvalidRequestError("invalid group ID given in 'canonical_id'")
      if (target.type !== 'external') throw new InvalidRequestError("alias can't be set on an internal group")
      // A group has one alias: as in Vault, a new one replaces the alias the group had, which is gone afterwards
      // (the index drops it when the group is stored) rather than left pointing at the group.
      const holder = groups.byAlias(accessor, name)
      if (holder && holder.alias?.id !== id)
        throw new InvalidRequestError('combination of mount and group alias name is already in use')
      const alias: AliasRecord = {
        id: current?.alias?.id ?? randomUUID(),
        canonicalId: target.id,
        mountAccessor: accessor,
        name,
        metadata: {},
        customMetadata: {},
        creationTime: current?.alias?.creationTime ?? now,
        lastUpdateTime: now,
      }
      const changed: GroupRecord[] = []
      if (current && current.id !== target.id) changed.push(bumpGroup({ ...current, alias: undefined }, now))
      changed.push(bumpGroup({ ...target, alias }, now))
      await storage.batch(changed.map(putGroupOp))
      for (const group of changed) groups.set(group)
      return { alias, created: !current }
    })
  }

  deleteGroupAlias(id: string): Promise<boolean> {
    const { groups, storage } = this.#ctx
    return this.#ctx.write(async () => {
      const group = groups.byAliasId(id)
      if (!group) return false
      const updated = bumpGroup({ ...group, alias: undefined }, this.#ctx.now())
      await storage.batch([putGroupOp(updated)])
      groups.set(updated)
      return true
    })
  }
}
