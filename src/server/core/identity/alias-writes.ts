// Writes to entity aliases: create, move between entities, delete, and drop a disabled auth mount's aliases.
import { randomBytes, randomUUID } from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { validateCustomMetadata } from '../../../sdk/framework/custom-metadata.ts'
import type { Storage, StorageOp } from '../../../sdk/storage.ts'
import type { GroupIndex } from './group-index.ts'
import { type AliasRecord, type EntityRecord, keys, newEntity, putEntityOp } from './records.ts'

type Found = { alias: AliasRecord; entity: EntityRecord }

/** What alias writes need from the identity store: reads, its clock and its serialised write lock. */
export interface AliasWriteContext {
  storage: Storage
  groups: GroupIndex
  now: () => number
  write<T>(fn: () => Promise<T>): Promise<T>
  entity(id: string): Promise<EntityRecord | undefined>
  alias(id: string): Promise<Found | undefined>
  aliasByName(accessor: string, name: string): Promise<Found | undefined>
  checkAccessor(accessor: string): void
  deleteGroupAlias(id: string): Promise<boolean>
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export class AliasWrites {
  readonly #ctx: AliasWriteContext

  constructor(ctx: AliasWriteContext) {
    this.#ctx = ctx
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
    return this.#ctx.write(async () => {
      // Vault checks an alias's custom_metadata against the limits KV v2 metadata has (custommetadata.Validate).
      if (input.customMetadata !== undefined) validateCustomMetadata(input.customMetadata)
      let existing = id ? await this.#ctx.alias(id) : undefined
      if (id && !existing) throw new InvalidRequestError('invalid alias ID provided')
      // Vault (handleAliasCreateUpdateCommon): without an id, an alias found by (mount, name) is the one updated.
      if (!id && input.mountAccessor && input.name)
        existing = await this.#ctx.aliasByName(input.mountAccessor, input.name)
      const name = input.name ?? existing?.alias.name
      const accessor = input.mountAccessor ?? existing?.alias.mountAccessor
      const canonicalId = input.canonicalId || existing?.entity.id
      // Vault keeps an alias's custom_metadata when none is sent only on an update by id; an update found by
      // (mount, name) sets what was sent, so none clears it (handleAliasCreateUpdateCommon).
      const customMetadata = input.customMetadata ?? (id ? existing?.alias.customMetadata : undefined) ?? {}
      // Nothing to change: Vault answers an empty 204 and writes nothing (handleAliasUpdate).
      if (
        existing &&
        name === existing.alias.name &&
        accessor === existing.alias.mountAccessor &&
        canonicalId === existing.entity.id &&
        sameMap(customMetadata, existing.alias.customMetadata)
      )
        return { alias: existing.alias, created: false, changed: false }
      // With an id both come from the alias; without one, both must be given.
      if (!name || !accessor)
        throw new InvalidRequestError("'id' or 'mount_accessor' and 'name' must be provided")
      this.#ctx.checkAccessor(accessor)
      const now = this.#ctx.now()
      const ops: StorageOp[] = []
      let target: EntityRecord | undefined
      if (canonicalId) {
        target = await this.#ctx.entity(canonicalId)
        if (!target)
          throw new InvalidRequestError(
            existing ? "given 'canonical_id' is not associated with an entity" : 'invalid canonical ID',
          )
      } else {
        // Vault (handleAliasCreate): a new alias without canonical_id gets a new entity of its own, named as
        // Vault names unnamed entities, and the response's canonical_id is that entity's id.
        target = newEntity(randomUUID(), await this.#freeEntityName(), now)
        ops.push({ op: 'put', key: keys.entityName(target.name), value: encoder.encode(target.id) })
      }
      const holder = await this.#ctx.aliasByName(accessor, name)
      if (holder && holder.alias.id !== existing?.alias.id)
        throw new InvalidRequestError('alias with combination of mount accessor and name already exists')
      const sameMount = target.aliases.find(
        (a) => a.mountAccessor === accessor && a.id !== existing?.alias.id,
      )
      // Vault's three texts: a new alias, an alias moved to another entity, an alias moved to another mount.
      if (sameMount)
        throw new InvalidRequestError(
          !existing
            ? 'Alias already exists for requested entity and mount accessor'
            : existing.entity.id !== target.id
              ? 'Alias cannot be updated as the given entity already has an alias for this mount '
              : "Alias cannot be updated as the entity already has an alias for the given 'mount_accessor' ",
        )
      const alias: AliasRecord = {
        id: existing?.alias.id ?? randomUUID(),
        canonicalId: target.id,
        mountAccessor: accessor,
        name,
        metadata: existing?.alias.metadata ?? {},
        customMetadata,
        creationTime: existing?.alias.creationTime ?? now,
        lastUpdateTime: now,
      }
      if (existing) {
        ops.push({ op: 'delete', key: keys.aliasKey(existing.alias.mountAccessor, existing.alias.name) })
        if (existing.entity.id !== target.id) {
          const source = {
            ...existing.entity,
            aliases: existing.entity.aliases.filter((a) => a.id !== alias.id),
          }
          ops.push(putEntityOp(source))
        }
      }
      const updated = { ...target, aliases: [...target.aliases.filter((a) => a.id !== alias.id), alias] }
      ops.push(putEntityOp(updated))
      ops.push({ op: 'put', key: keys.alias(alias.id), value: encoder.encode(target.id) })
      ops.push({ op: 'put', key: keys.aliasKey(accessor, name), value: encoder.encode(target.id) })
      await this.#ctx.storage.batch(ops)
      return { alias, created: !existing, changed: true }
    })
  }

  /** `entity_<8 hex>` not yet taken, as Vault's generateName picks it. */
  async #freeEntityName(): Promise<string> {
    for (;;) {
      const name = `entity_${randomBytes(4).toString('hex')}`
      if ((await this.#ctx.storage.get(keys.entityName(name))) === undefined) return name
    }
  }

  deleteAlias(id: string): Promise<boolean> {
    return this.#ctx.write(async () => {
      const found = await this.#ctx.alias(id)
      if (!found) return false
      const entity = { ...found.entity, aliases: found.entity.aliases.filter((a) => a.id !== id) }
      await this.#ctx.storage.batch([
        putEntityOp(entity),
        { op: 'delete', key: keys.alias(id) },
        { op: 'delete', key: keys.aliasKey(found.alias.mountAccessor, found.alias.name) },
      ])
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
    for (const name of await this.#ctx.storage.list(keys.aliasKeyPrefix(accessor))) {
      const raw = await this.#ctx.storage.get(keys.aliasKeyPrefix(accessor) + name)
      if (raw !== undefined) entityIds.add(decoder.decode(raw))
    }
    for (const entityId of entityIds) {
      const entity = await this.#ctx.entity(entityId)
      for (const alias of entity?.aliases ?? []) {
        if (alias.mountAccessor === accessor && (await this.deleteAlias(alias.id))) removed++
      }
    }
    for (const group of [...this.#ctx.groups.all]) {
      if (group.alias?.mountAccessor === accessor && (await this.#ctx.deleteGroupAlias(group.alias.id)))
        removed++
    }
    return removed
  }
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k])
}
