// The identity store: entities with their aliases, groups with theirs, and what a token's entity adds to its policies.
import { randomBytes, randomUUID } from 'node:crypto'
import { KeyLocks } from '../../../lib/key-locks.ts'
import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { getJson, type Storage, type StorageOp } from '../../../sdk/storage.ts'
import type { AccessChangeListener, AccessChangeScope } from '../access-change.ts'
import { AliasWrites } from './alias-writes.ts'
import { type MergeInput, mergeEntities } from './entity-merge.ts'
import { GroupIndex } from './group-index.ts'
import { bumpGroup, type GroupInput, GroupWrites, planExternalGroupSync, putGroupOp } from './group-writes.ts'
import {
  type AliasRecord,
  type EntityRecord,
  type GroupRecord,
  identityPolicies,
  keys,
  type MountLookup,
  newEntity,
  putEntityOp,
} from './records.ts'
import { type ResolvedIdentity, resolveIdentity } from './resolved-identity.ts'

export type { GroupInput } from './group-writes.ts'
export type { ResolvedIdentity } from './resolved-identity.ts'

export interface EntityInput {
  name?: string
  policies?: string[]
  metadata?: Record<string, string>
  disabled?: boolean
}

const ID = /^[\w-]{1,128}$/
const RESOLVED_LIMIT = 10_000
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The entity ids whose tokens act as `entity`: its own, and those of the entities merged into it. */
function actingAs(entity: EntityRecord): string[] {
  return [entity.id, ...(entity.mergedEntityIds ?? [])]
}

export class IdentityStore {
  readonly #storage: Storage
  readonly #mounts: MountLookup
  readonly #now: () => number
  readonly #groups = new GroupIndex()
  readonly #locks = new KeyLocks()
  readonly #resolved = new Map<string, ResolvedIdentity | null>()
  /**
   * The entity a login without groups resolved to, by mount, alias name and metadata, with the generation it was
   * read at: valid only while no identity write has happened since (a disabled, merged or deleted entity, a moved
   * or changed alias all bump it). A signed AWS call logs in on every request; this spares it the alias lookup.
   */
  readonly #logins = new Map<string, { generation: number; entityId: string }>()
  readonly #listeners: (() => void)[] = []
  readonly #accessListeners: AccessChangeListener[] = []
  /** Bumped by every write, so a resolution that raced a write is not cached. */
  #generation = 0
  readonly #groupWrites: GroupWrites
  readonly #aliasWrites: AliasWrites

  constructor(storage: Storage, mounts: MountLookup, now: () => number) {
    this.#storage = storage
    this.#mounts = mounts
    this.#now = now
    this.#aliasWrites = new AliasWrites({
      storage,
      groups: this.#groups,
      now,
      write: (fn) => this.#write(fn),
      entity: (id) => this.entity(id),
      alias: (id) => this.alias(id),
      aliasByName: (accessor, name) => this.aliasByName(accessor, name),
      checkAccessor: (accessor) => this.#checkAccessor(accessor),
      deleteGroupAlias: (id) => this.deleteGroupAlias(id),
    })
    this.#groupWrites = new GroupWrites({
      storage,
      groups: this.#groups,
      now,
      write: (fn, scope) => this.#write(fn, scope),
      entityExists: async (id) => (await this.entity(id)) !== undefined,
      checkAccessor: (accessor) => this.#checkGroupAliasAccessor(accessor),
    })
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
    this.#logins.clear()
    this.#generation++
    for (const id of await this.#storage.list('group/')) {
      const group = await getJson<GroupRecord>(this.#storage, keys.group(id))
      if (group) this.#groups.set(group)
    }
    // A reload is an identity change like a write here: an HA standby reloads when another node changed entities
    // or groups, and the ACLs it filled templates in from the old entity (its name, metadata, groups) must go.
    this.#changed()
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

  /**
   * Told of every identity write once it is stored (awaited, after the write's lock is released): event subscriptions
   * whose token's effective policies may have changed.
   */
  onAccessChange(listener: AccessChangeListener): void {
    this.#accessListeners.push(listener)
  }

  /**
   * Every write runs alone: a login creating an entity must not race another login or an operator's edit.
   * `scope` names the entities a successful write can concern (the listeners then look at their tokens only).
   */
  async #write<T>(fn: () => Promise<T>, scope?: (result: T) => readonly string[] | undefined): Promise<T> {
    let announced: Promise<unknown> | undefined
    try {
      return await this.#locks.run('identity', async () => {
        const changes: AccessChangeScope = {}
        try {
          const result = await fn()
          const entityIds = scope?.(result)
          if (entityIds) changes.entityIds = entityIds
          return result
        } finally {
          this.#changed()
          announced = Promise.all(this.#accessListeners.map((listener) => listener.changed(changes)))
        }
      })
    } finally {
      await announced
    }
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
    return this.#write(
      async () => {
        let existing: EntityRecord | undefined
        if (id !== undefined && id !== '') {
          existing = await this.entity(id)
          if (!existing) throw new InvalidRequestError('entity not found from id')
        } else if (input.name) existing = await this.entityByName(input.name)
        const now = this.#now()
        const entity: EntityRecord = existing
          ? { ...existing, lastUpdateTime: now }
          : newEntity(randomUUID(), input.name || `entity_${randomBytes(4).toString('hex')}`, now)
        const ops: StorageOp[] = []
        if (input.name && existing && input.name !== existing.name) {
          const holder = await this.entityByName(input.name)
          if (holder && holder.id !== existing.id)
            throw new InvalidRequestError('entity name is already in use')
          ops.push({ op: 'delete', key: keys.entityName(existing.name) })
          entity.name = input.name
        }
        if (input.policies !== undefined) entity.policies = identityPolicies(input.policies)
        if (input.metadata !== undefined) entity.metadata = input.metadata
        if (input.disabled !== undefined) entity.disabled = input.disabled
        ops.push(putEntityOp(entity), {
          op: 'put',
          key: keys.entityName(entity.name),
          value: encoder.encode(entity.id),
        })
        await this.#storage.batch(ops)
        return { entity, created: !existing }
      },
      (result) => actingAs(result.entity),
    )
  }

  /** Delete an entity with its aliases and memberships; its tokens keep working with their own policies only. */
  deleteEntity(id: string): Promise<boolean> {
    let concerned: string[] = []
    return this.#write(
      async () => {
        const entity = await this.entity(id)
        if (!entity) return false
        concerned = actingAs(entity)
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
          changed.push(bumpGroup(updated, this.#now()))
          ops.push(putGroupOp(updated))
        }
        await this.#storage.batch(ops)
        for (const group of changed) this.#groups.set(group)
        return true
      },
      () => concerned,
    )
  }

  /** Merge entities into one (identity/entity/merge); see entity-merge.ts. */
  mergeEntities(input: MergeInput): Promise<void> {
    return this.#write(async () => {
      const changed = await mergeEntities(
        {
          storage: this.#storage,
          groups: this.#groups,
          now: this.#now,
          mounts: this.#mounts,
          entity: (id) => this.entity(id),
        },
        input,
      )
      for (const group of changed) this.#groups.set(group)
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

  /** As Vault: a group alias ties an external group to a mount shared by the whole cluster, never a local one. */
  #checkGroupAliasAccessor(accessor: string): void {
    this.#checkAccessor(accessor)
    if (this.#mounts(accessor)?.local)
      throw new InvalidRequestError(`mount accessor "${accessor}" is a local mount`)
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
  ): Promise<{ alias: AliasRecord; created: boolean; changed: boolean }> {
    return this.#aliasWrites.upsertAlias(id, input)
  }

  deleteAlias(id: string): Promise<boolean> {
    return this.#aliasWrites.deleteAlias(id)
  }

  /** A disabled auth mount's entity and group aliases go with it; entities and groups stay (see alias-writes.ts). */
  removeMountAliases(accessor: string): Promise<number> {
    return this.#aliasWrites.removeMountAliases(accessor)
  }

  // ---- groups (written by group-writes.ts, under this store's write lock) ----

  upsertGroup(id: string | undefined, input: GroupInput): Promise<{ group: GroupRecord; created: boolean }> {
    return this.#groupWrites.upsertGroup(id, input)
  }

  deleteGroup(id: string): Promise<boolean> {
    return this.#groupWrites.deleteGroup(id)
  }

  upsertGroupAlias(
    id: string | undefined,
    input: { name?: string; mountAccessor?: string; canonicalId?: string },
  ): Promise<{ alias: AliasRecord; created: boolean }> {
    return this.#groupWrites.upsertGroupAlias(id, input)
  }

  deleteGroupAlias(id: string): Promise<boolean> {
    return this.#groupWrites.deleteGroupAlias(id)
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
    const memoKey =
      groupNames === undefined ? `${accessor}\n${login.name}\n${JSON.stringify(login.metadata ?? null)}` : ''
    const memo = memoKey === '' ? undefined : this.#logins.get(memoKey)
    if (memo !== undefined && memo.generation === this.#generation) return memo.entityId
    const generation = this.#generation
    let found = await this.aliasByName(accessor, login.name)
    if (!found || this.#aliasStale(found.alias, login.metadata))
      // A new entity has no tokens yet; an alias's new metadata concerns its own entity's templates only.
      found = await this.#write(
        () => this.#ensureAlias(accessor, login),
        (ensured) => actingAs(ensured.entity),
      )
    const { entity } = found
    if (entity.disabled) throw new PermissionDeniedError()
    if (groupNames !== undefined) await this.#syncExternalGroups(entity, accessor, groupNames)
    // Remembered only when no write happened while it was read (this login's own creation of the alias included).
    if (memoKey !== '' && generation === this.#generation) {
      if (this.#logins.size >= RESOLVED_LIMIT) this.#logins.clear()
      this.#logins.set(memoKey, { generation, entityId: entity.id })
    }
    return entity.id
  }

  /** Whether the login reports alias metadata other than what is stored (order of keys aside). */
  #aliasStale(alias: AliasRecord, metadata: Record<string, string> | undefined): boolean {
    if (metadata === undefined) return false
    const stored = alias.metadata
    const keys = Object.keys(metadata)
    if (keys.length !== Object.keys(stored).length) return true
    return keys.some((key) => !Object.hasOwn(stored, key) || stored[key] !== metadata[key])
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
      await this.#storage.batch([putEntityOp(entity)])
      return { alias, entity }
    }
    const entity = newEntity(randomUUID(), `entity_${randomBytes(4).toString('hex')}`, now)
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
      putEntityOp(entity),
      { op: 'put', key: keys.entityName(entity.name), value: encoder.encode(entity.id) },
      { op: 'put', key: keys.alias(alias.id), value: encoder.encode(entity.id) },
      { op: 'put', key: keys.aliasKey(accessor, login.name), value: encoder.encode(entity.id) },
    ])
    return { alias, entity }
  }

  async #syncExternalGroups(entity: EntityRecord, accessor: string, groupNames: string[]): Promise<void> {
    // Most logins change nothing; only a change takes the write lock (and is planned again under it).
    if (planExternalGroupSync(this.#groups, entity.id, accessor, groupNames).length === 0) return
    await this.#groupWrites.syncExternal(entity.id, accessor, groupNames, async () =>
      actingAs((await this.entity(entity.id)) ?? entity),
    )
  }

  // ---- policy evaluation ----

  /** What an entity adds to its tokens; undefined when the entity no longer exists. Cached until the next write. */
  async resolve(entityId: string): Promise<ResolvedIdentity | undefined> {
    const cached = this.#resolved.get(entityId)
    if (cached !== undefined) return cached ?? undefined
    const generation = this.#generation
    // A token of an entity merged away acts for the entity it was merged into.
    let entity = await this.entity(entityId)
    if (!entity && ID.test(entityId)) {
      const into = await this.#storage.get(keys.merged(entityId))
      if (into) entity = await this.entity(decoder.decode(into))
    }
    let resolved: ResolvedIdentity | null = null
    if (entity) {
      const { direct, inherited } = await this.entityGroups(entity.id)
      const groups = [...direct, ...inherited].map((id) => this.#groups.get(id)!).filter(Boolean)
      resolved = resolveIdentity(entity, groups)
    }
    if (generation === this.#generation) {
      if (this.#resolved.size >= RESOLVED_LIMIT) this.#resolved.clear()
      this.#resolved.set(entityId, resolved)
    }
    return resolved ?? undefined
  }
}
