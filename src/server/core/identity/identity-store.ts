// The identity store: entities with their aliases, groups with theirs, and what a token's entity adds to its policies.
import { randomBytes, randomUUID } from 'node:crypto'
import { KeyLocks } from '../../../lib/key-locks.ts'
import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { getJson, putJson, type Storage, type StorageOp } from '../../../sdk/storage.ts'
import type { TemplateIdentity } from '../../policy/template.ts'
import { GroupIndex } from './group-index.ts'
import { type AliasRecord, type EntityRecord, type GroupRecord, keys, type MountLookup } from './records.ts'

/** What an entity adds to its tokens, computed once per entity and kept until the next identity write. */
export interface ResolvedIdentity {
  disabled: boolean
  /** The entity's own policies and those of every group it is in, directly or through nesting. */
  policies: string[]
  template: TemplateIdentity
  /** Token policy set (joined) → that set merged with `policies`, so the hot path allocates nothing. */
  merged: Map<string, string[]>
}

export interface EntityInput {
  name?: string
  policies?: string[]
  metadata?: Record<string, string>
  disabled?: boolean
}

export interface GroupInput {
  name?: string
  type?: string
  policies?: string[]
  metadata?: Record<string, string>
  memberEntityIds?: string[]
  memberGroupIds?: string[]
}

const ID = /^[\w-]{1,128}$/
const RESOLVED_LIMIT = 10_000
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Vault lower-cases, de-duplicates and sorts policy names given to entities and groups. */
export function normalizePolicies(policies: string[]): string[] {
  return [...new Set(policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== ''))].sort()
}

export class IdentityStore {
  readonly #storage: Storage
  readonly #mounts: MountLookup
  readonly #now: () => number
  readonly #groups = new GroupIndex()
  readonly #locks = new KeyLocks()
  readonly #resolved = new Map<string, ResolvedIdentity | null>()
  readonly #listeners: (() => void)[] = []
  /** Bumped by every write, so a resolution that raced a write is not cached. */
  #generation = 0

  constructor(storage: Storage, mounts: MountLookup, now: () => number) {
    this.#storage = storage
    this.#mounts = mounts
    this.#now = now
  }

  get mounts(): MountLookup {
    return this.#mounts
  }

  get groups(): GroupIndex {
    return this.#groups
  }

  async load(): Promise<void> {
    this.#groups.clear()
    this.#resolved.clear()
    for (const id of await this.#storage.list('group/')) {
      const group = await getJson<GroupRecord>(this.#storage, keys.group(id))
      if (group) this.#groups.set(group)
    }
  }

  /** Called after every identity write (the policy store drops ACLs filled from stale identity data). */
  onChange(listener: () => void): void {
    this.#listeners.push(listener)
  }

  #changed(): void {
    this.#generation++
    this.#resolved.clear()
    for (const listener of this.#listeners) listener()
  }

  /** Every write runs alone: a login creating an entity must not race another login or an operator's edit. */
  #write<T>(fn: () => Promise<T>): Promise<T> {
    return this.#locks.run('identity', async () => {
      try {
        return await fn()
      } finally {
        this.#changed()
      }
    })
  }

  // ---- entities ----

  async entity(id: string): Promise<EntityRecord | undefined> {
    if (!ID.test(id)) return undefined
    return getJson<EntityRecord>(this.#storage, keys.entity(id))
  }

  async entityByName(name: string): Promise<EntityRecord | undefined> {
    const id = await this.#storage.get(keys.entityName(name))
    return id === undefined ? undefined : this.entity(decoder.decode(id))
  }

  async entityIds(): Promise<string[]> {
    return (await this.#storage.list('entity/')).sort()
  }

  async entities(): Promise<EntityRecord[]> {
    const out: EntityRecord[] = []
    for (const id of await this.entityIds()) {
      const entity = await this.entity(id)
      if (entity) out.push(entity)
    }
    return out
  }

  /** The groups an entity is directly in, and those it inherits through nesting. */
  async entityGroups(id: string): Promise<{ direct: string[]; inherited: string[] }> {
    const direct = (await this.#storage.list(keys.memberPrefix(id))).filter((g) => this.#groups.get(g)).sort()
    return { direct, inherited: this.#groups.ancestors(direct).filter((g) => !direct.includes(g)) }
  }

  /**
   * Create or update an entity: by `id` when given (it must exist), else the entity of that name if there is
   * one, else a new one. Returns whether it was created.
   */
  upsertEntity(
    id: string | undefined,
    input: EntityInput,
  ): Promise<{ entity: EntityRecord; created: boolean }> {
    return this.#write(async () => {
      let existing: EntityRecord | undefined
      if (id !== undefined && id !== '') {
        existing = await this.entity(id)
        if (!existing) throw new InvalidRequestError('entity not found')
      } else if (input.name) existing = await this.entityByName(input.name)
      const now = this.#now()
      const entity: EntityRecord = existing
        ? { ...existing, lastUpdateTime: now }
        : {
            id: randomUUID(),
            name: input.name || `entity_${randomBytes(4).toString('hex')}`,
            policies: [],
            metadata: {},
            disabled: false,
            aliases: [],
            creationTime: now,
            lastUpdateTime: now,
          }
      const ops: StorageOp[] = []
      if (input.name && existing && input.name !== existing.name) {
        const holder = await this.entityByName(input.name)
        if (holder && holder.id !== existing.id)
          throw new InvalidRequestError('entity name is already in use')
        ops.push({ op: 'delete', key: keys.entityName(existing.name) })
        entity.name = input.name
      }
      if (input.policies !== undefined) entity.policies = normalizePolicies(input.policies)
      if (input.metadata !== undefined) entity.metadata = input.metadata
      if (input.disabled !== undefined) entity.disabled = input.disabled
      ops.push(this.#putEntityOp(entity), {
        op: 'put',
        key: keys.entityName(entity.name),
        value: encoder.encode(entity.id),
      })
      await this.#storage.batch(ops)
      return { entity, created: !existing }
    })
  }

  #putEntityOp(entity: EntityRecord): StorageOp {
    return { op: 'put', key: keys.entity(entity.id), value: encoder.encode(JSON.stringify(entity)) }
  }

  /** Delete an entity with its aliases and memberships; its tokens keep working with their own policies only. */
  deleteEntity(id: string): Promise<boolean> {
    return this.#write(async () => {
      const entity = await this.entity(id)
      if (!entity) return false
      const ops: StorageOp[] = [
        { op: 'delete', key: keys.entity(id) },
        { op: 'delete', key: keys.entityName(entity.name) },
      ]
      for (const alias of entity.aliases) {
        ops.push({ op: 'delete', key: keys.alias(alias.id) })
        ops.push({ op: 'delete', key: keys.aliasKey(alias.mountAccessor, alias.name) })
      }
      const changed: GroupRecord[] = []
      for (const groupId of await this.#storage.list(keys.memberPrefix(id))) {
        ops.push({ op: 'delete', key: keys.member(id, groupId) })
        const group = this.#groups.get(groupId)
        if (!group) continue
        const updated = { ...group, memberEntityIds: group.memberEntityIds.filter((e) => e !== id) }
        changed.push(this.#bump(updated))
        ops.push(this.#putGroupOp(updated))
      }
      await this.#storage.batch(ops)
      for (const group of changed) this.#groups.set(group)
      return true
    })
  }

  // ---- entity aliases ----

  async alias(id: string): Promise<{ alias: AliasRecord; entity: EntityRecord } | undefined> {
    if (!ID.test(id)) return undefined
    const entityId = await this.#storage.get(keys.alias(id))
    const entity = entityId === undefined ? undefined : await this.entity(decoder.decode(entityId))
    const alias = entity?.aliases.find((a) => a.id === id)
    return entity && alias ? { alias, entity } : undefined
  }

  async aliasByName(
    accessor: string,
    name: string,
  ): Promise<{ alias: AliasRecord; entity: EntityRecord } | undefined> {
    const entityId = await this.#storage.get(keys.aliasKey(accessor, name))
    if (entityId === undefined) return undefined
    const entity = await this.entity(decoder.decode(entityId))
    const alias = entity?.aliases.find(
      (a) => a.mountAccessor === accessor && a.name.toLowerCase() === name.toLowerCase(),
    )
    return entity && alias ? { alias, entity } : undefined
  }

  async aliasIds(): Promise<string[]> {
    return (await this.#storage.list('alias/')).sort()
  }

  #checkAccessor(accessor: string): void {
    if (!this.#mounts(accessor)) throw new InvalidRequestError(`invalid mount accessor "${accessor}"`)
  }

  /**
   * Create an alias (no `id`) or update one (`id`): an alias names one login on one auth mount, so a
   * (mount, name) pair belongs to one entity, and an entity has at most one alias per mount.
   */
  upsertAlias(
    id: string | undefined,
    input: {
      name?: string
      canonicalId?: string
      mountAccessor?: string
      customMetadata?: Record<string, string>
    },
  ): Promise<{ alias: AliasRecord; created: boolean }> {
    return this.#write(async () => {
      const existing = id ? await this.alias(id) : undefined
      if (id && !existing) throw new InvalidRequestError('entity alias not found')
      const name = input.name ?? existing?.alias.name
      const accessor = input.mountAccessor ?? existing?.alias.mountAccessor
      const canonicalId = input.canonicalId ?? existing?.entity.id
      if (!name) throw new InvalidRequestError('missing alias name')
      if (!accessor) throw new InvalidRequestError('missing mount_accessor')
      if (!canonicalId) throw new InvalidRequestError('missing canonical_id')
      this.#checkAccessor(accessor)
      const target = await this.entity(canonicalId)
      if (!target) throw new InvalidRequestError(`entity "${canonicalId}" does not exist`)
      const holder = await this.aliasByName(accessor, name)
      if (holder && holder.alias.id !== existing?.alias.id)
        throw new InvalidRequestError('combination of mount accessor and alias name is already in use')
      const sameMount = target.aliases.find(
        (a) => a.mountAccessor === accessor && a.id !== existing?.alias.id,
      )
      if (sameMount)
        throw new InvalidRequestError(
          `entity "${target.id}" already has an alias on mount accessor "${accessor}"`,
        )
      const now = this.#now()
      const alias: AliasRecord = {
        id: existing?.alias.id ?? randomUUID(),
        canonicalId: target.id,
        mountAccessor: accessor,
        name,
        metadata: existing?.alias.metadata ?? {},
        customMetadata: input.customMetadata ?? existing?.alias.customMetadata ?? {},
        creationTime: existing?.alias.creationTime ?? now,
        lastUpdateTime: now,
      }
      const ops: StorageOp[] = []
      if (existing) {
        ops.push({ op: 'delete', key: keys.aliasKey(existing.alias.mountAccessor, existing.alias.name) })
        if (existing.entity.id !== target.id) {
          const source = {
            ...existing.entity,
            aliases: existing.entity.aliases.filter((a) => a.id !== alias.id),
          }
          ops.push(this.#putEntityOp(source))
        }
      }
      const updated = { ...target, aliases: [...target.aliases.filter((a) => a.id !== alias.id), alias] }
      ops.push(this.#putEntityOp(updated))
      ops.push({ op: 'put', key: keys.alias(alias.id), value: encoder.encode(target.id) })
      ops.push({ op: 'put', key: keys.aliasKey(accessor, name), value: encoder.encode(target.id) })
      await this.#storage.batch(ops)
      return { alias, created: !existing }
    })
  }

  deleteAlias(id: string): Promise<boolean> {
    return this.#write(async () => {
      const found = await this.alias(id)
      if (!found) return false
      const entity = { ...found.entity, aliases: found.entity.aliases.filter((a) => a.id !== id) }
      await this.#storage.batch([
        this.#putEntityOp(entity),
        { op: 'delete', key: keys.alias(id) },
        { op: 'delete', key: keys.aliasKey(found.alias.mountAccessor, found.alias.name) },
      ])
      return true
    })
  }

  // ---- groups ----

  #bump(group: GroupRecord): GroupRecord {
    group.modifyIndex += 1
    group.lastUpdateTime = this.#now()
    return group
  }

  #putGroupOp(group: GroupRecord): StorageOp {
    return { op: 'put', key: keys.group(group.id), value: encoder.encode(JSON.stringify(group)) }
  }

  /** Create or update a group: by `id` (it must exist), else the group of that name, else a new one. */
  upsertGroup(id: string | undefined, input: GroupInput): Promise<{ group: GroupRecord; created: boolean }> {
    return this.#write(async () => {
      let existing: GroupRecord | undefined
      if (id) {
        existing = this.#groups.get(id)
        if (!existing) throw new InvalidRequestError('group not found')
      } else if (input.name) existing = this.#groups.byName(input.name)
      const type = input.type === undefined || input.type === '' ? (existing?.type ?? 'internal') : input.type
      if (type !== 'internal' && type !== 'external')
        throw new InvalidRequestError(`invalid group type "${type}": must be "internal" or "external"`)
      if (existing && existing.type !== type) throw new InvalidRequestError('group type cannot be changed')
      if (type === 'external' && input.memberEntityIds?.length)
        throw new InvalidRequestError("member entities can't be set manually for external groups")
      if (type === 'external' && input.memberGroupIds?.length)
        throw new InvalidRequestError("member groups can't be set for external groups")
      const now = this.#now()
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
        const holder = this.#groups.byName(input.name)
        if (holder && holder.id !== group.id) throw new InvalidRequestError('group name is already in use')
        group.name = input.name
      }
      if (input.policies !== undefined) group.policies = normalizePolicies(input.policies)
      if (input.metadata !== undefined) group.metadata = input.metadata
      const ops: StorageOp[] = []
      if (input.memberGroupIds !== undefined) {
        const members = [...new Set(input.memberGroupIds)].sort()
        this.#groups.checkMemberGroups(group.id, members)
        group.memberGroupIds = members
      }
      if (input.memberEntityIds !== undefined) {
        const members = [...new Set(input.memberEntityIds)].sort()
        for (const entityId of members) {
          if (!(await this.entity(entityId)))
            throw new InvalidRequestError(`entity "${entityId}" does not exist`)
        }
        const before = new Set(existing?.memberEntityIds ?? [])
        for (const entityId of members) {
          if (!before.delete(entityId))
            ops.push({ op: 'put', key: keys.member(entityId, group.id), value: new Uint8Array() })
        }
        for (const gone of before) ops.push({ op: 'delete', key: keys.member(gone, group.id) })
        group.memberEntityIds = members
      }
      ops.push(this.#putGroupOp(group))
      await this.#storage.batch(ops)
      this.#groups.set(group)
      return { group, created: !existing }
    })
  }

  /** Delete a group: its memberships and alias go with it, and no group lists it as a member any more. */
  deleteGroup(id: string): Promise<boolean> {
    return this.#write(async () => {
      const group = this.#groups.get(id)
      if (!group) return false
      const ops: StorageOp[] = [{ op: 'delete', key: keys.group(id) }]
      for (const entityId of group.memberEntityIds) ops.push({ op: 'delete', key: keys.member(entityId, id) })
      const parents = this.#groups.parentsOf(id).map((parentId) => {
        const parent = this.#groups.get(parentId)!
        return this.#bump({ ...parent, memberGroupIds: parent.memberGroupIds.filter((g) => g !== id) })
      })
      for (const parent of parents) ops.push(this.#putGroupOp(parent))
      await this.#storage.batch(ops)
      this.#groups.delete(id)
      for (const parent of parents) this.#groups.set(parent)
      return true
    })
  }

  /** Create or update an external group's alias: the group name an auth mount reports at login. */
  upsertGroupAlias(
    id: string | undefined,
    input: { name?: string; mountAccessor?: string; canonicalId?: string },
  ): Promise<{ alias: AliasRecord; created: boolean }> {
    return this.#write(async () => {
      const current = id ? this.#groups.byAliasId(id) : undefined
      if (id && !current) throw new InvalidRequestError('group alias not found')
      const name = input.name ?? current?.alias?.name
      const accessor = input.mountAccessor ?? current?.alias?.mountAccessor
      const canonicalId = input.canonicalId || current?.id
      if (!name) throw new InvalidRequestError('missing alias name')
      if (!accessor) throw new InvalidRequestError('missing mount_accessor')
      if (!canonicalId) throw new InvalidRequestError('missing canonical_id')
      this.#checkAccessor(accessor)
      const target = this.#groups.get(canonicalId)
      if (!target) throw new InvalidRequestError(`group "${canonicalId}" does not exist`)
      if (target.type !== 'external')
        throw new InvalidRequestError('alias can only be set on an external group')
      if (target.alias && target.alias.id !== id)
        throw new InvalidRequestError(`group "${target.id}" already has an alias`)
      const holder = this.#groups.byAlias(accessor, name)
      if (holder && holder.alias?.id !== id)
        throw new InvalidRequestError('combination of mount accessor and group alias name is already in use')
      const now = this.#now()
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
      if (current && current.id !== target.id) changed.push(this.#bump({ ...current, alias: undefined }))
      changed.push(this.#bump({ ...target, alias }))
      await this.#storage.batch(changed.map((group) => this.#putGroupOp(group)))
      for (const group of changed) this.#groups.set(group)
      return { alias, created: !current }
    })
  }

  deleteGroupAlias(id: string): Promise<boolean> {
    return this.#write(async () => {
      const group = this.#groups.byAliasId(id)
      if (!group) return false
      const updated = this.#bump({ ...group, alias: undefined })
      await putJson(this.#storage, keys.group(group.id), updated)
      this.#groups.set(updated)
      return true
    })
  }

  /**
   * An auth mount is being disabled: its entity aliases and group aliases go with it, as in Vault, so a new
   * mount at the same path starts with no logins mapped. Entities and groups themselves stay.
   */
  async removeMountAliases(accessor: string): Promise<number> {
    let removed = 0
    const entityIds = new Set<string>()
    for (const name of await this.#storage.list(`alias-key/${accessor}/`)) {
      const raw = await this.#storage.get(`alias-key/${accessor}/${name}`)
      if (raw !== undefined) entityIds.add(decoder.decode(raw))
    }
    for (const entityId of entityIds) {
      const entity = await this.entity(entityId)
      for (const alias of entity?.aliases ?? []) {
        if (alias.mountAccessor === accessor && (await this.deleteAlias(alias.id))) removed++
      }
    }
    for (const group of [...this.#groups.all]) {
      if (group.alias?.mountAccessor === accessor && (await this.deleteGroupAlias(group.alias.id))) removed++
    }
    return removed
  }

  // ---- login ----

  /**
   * The entity behind a login: the one holding this (mount, alias name), or a new one. When the auth method
   * reports groups, the entity's external-group memberships on this mount are brought in line with them.
   */
  async login(
    accessor: string,
    login: { name: string; metadata?: Record<string, string> },
    groupNames?: string[],
  ): Promise<string> {
    if (login.name === '') throw new InvalidRequestError('auth method returned an empty alias name')
    let found = await this.aliasByName(accessor, login.name)
    if (!found || this.#aliasStale(found.alias, login.metadata))
      found = await this.#write(() => this.#ensureAlias(accessor, login))
    const { entity } = found
    if (entity.disabled) throw new PermissionDeniedError()
    if (groupNames !== undefined) await this.#syncExternalGroups(entity.id, accessor, groupNames)
    return entity.id
  }

  #aliasStale(alias: AliasRecord, metadata: Record<string, string> | undefined): boolean {
    if (metadata === undefined) return false
    const a = Object.entries(alias.metadata).sort()
    const b = Object.entries(metadata).sort()
    return JSON.stringify(a) !== JSON.stringify(b)
  }

  async #ensureAlias(accessor: string, login: { name: string; metadata?: Record<string, string> }) {
    const found = await this.aliasByName(accessor, login.name)
    const now = this.#now()
    if (found) {
      const alias = { ...found.alias, metadata: login.metadata ?? found.alias.metadata, lastUpdateTime: now }
      const entity = {
        ...found.entity,
        aliases: found.entity.aliases.map((a) => (a.id === alias.id ? alias : a)),
      }
      await this.#storage.batch([this.#putEntityOp(entity)])
      return { alias, entity }
    }
    const entity: EntityRecord = {
      id: randomUUID(),
      name: `entity_${randomBytes(4).toString('hex')}`,
      policies: [],
      metadata: {},
      disabled: false,
      aliases: [],
      creationTime: now,
      lastUpdateTime: now,
    }
    const alias: AliasRecord = {
      id: randomUUID(),
      canonicalId: entity.id,
      mountAccessor: accessor,
      name: login.name,
      metadata: login.metadata ?? {},
      customMetadata: {},
      creationTime: now,
      lastUpdateTime: now,
    }
    entity.aliases.push(alias)
    await this.#storage.batch([
      this.#putEntityOp(entity),
      { op: 'put', key: keys.entityName(entity.name), value: encoder.encode(entity.id) },
      { op: 'put', key: keys.alias(alias.id), value: encoder.encode(entity.id) },
      { op: 'put', key: keys.aliasKey(accessor, login.name), value: encoder.encode(entity.id) },
    ])
    return { alias, entity }
  }

  async #syncExternalGroups(entityId: string, accessor: string, groupNames: string[]): Promise<void> {
    const plan = () => {
      const wanted = new Set<string>()
      for (const name of groupNames) {
        const group = this.#groups.byAlias(accessor, name)
        if (group?.type === 'external') wanted.add(group.id)
      }
      const changes: GroupRecord[] = []
      for (const group of this.#groups.all) {
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
    // Most logins change nothing; only a change takes the write lock (and is planned again under it).
    if (plan().length === 0) return
    await this.#write(async () => {
      const changes = plan().map((group) => this.#bump(group))
      const ops: StorageOp[] = changes.map((group) => this.#putGroupOp(group))
      for (const group of changes) {
        const joined = group.memberEntityIds.includes(entityId)
        ops.push(
          joined
            ? { op: 'put', key: keys.member(entityId, group.id), value: new Uint8Array() }
            : { op: 'delete', key: keys.member(entityId, group.id) },
        )
      }
      await this.#storage.batch(ops)
      for (const group of changes) this.#groups.set(group)
    })
  }

  // ---- policy evaluation ----

  /** What an entity adds to its tokens; undefined when the entity no longer exists. Cached until the next write. */
  async resolve(entityId: string): Promise<ResolvedIdentity | undefined> {
    const cached = this.#resolved.get(entityId)
    if (cached !== undefined) return cached ?? undefined
    const generation = this.#generation
    const entity = await this.entity(entityId)
    let resolved: ResolvedIdentity | null = null
    if (entity) {
      const { direct, inherited } = await this.entityGroups(entityId)
      const groups = [...direct, ...inherited].map((id) => this.#groups.get(id)!).filter(Boolean)
      resolved = {
        disabled: entity.disabled,
        policies: normalizePolicies([...entity.policies, ...groups.flatMap((g) => g.policies)]),
        template: {
          entity: {
            id: entity.id,
            name: entity.name,
            metadata: entity.metadata,
            aliases: entity.aliases.map((a) => ({
              mountAccessor: a.mountAccessor,
              id: a.id,
              name: a.name,
              metadata: a.metadata,
              customMetadata: a.customMetadata,
            })),
          },
          groups: groups.map((g) => ({ id: g.id, name: g.name, metadata: g.metadata })),
        },
        merged: new Map(),
      }
    }
    if (generation === this.#generation) {
      if (this.#resolved.size >= RESOLVED_LIMIT) this.#resolved.clear()
      this.#resolved.set(entityId, resolved)
    }
    return resolved ?? undefined
  }
}
