// identity/entity and identity/entity-alias: create, read, update, delete and list entities and their aliases.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import type { LogicalResponse } from '../../../sdk/request.ts'
import type { EntityInput, IdentityStore } from './identity-store.ts'
import { validateIdentityMetadata } from './metadata-rules.ts'
import { aliasListInfo, aliasView, type EntityRecord, entityListInfo, entityView } from './records.ts'

const entityFields = {
  id: f.string(),
  name: f.string(),
  policies: f.list(),
  metadata: f.kvPairs(),
  disabled: f.bool(),
}

const aliasFields = {
  id: f.string(),
  name: f.string(),
  canonical_id: f.string(),
  entity_id: f.string({ description: 'Deprecated: canonical_id under its old name.' }),
  mount_accessor: f.string(),
  custom_metadata: f.kvPairs(),
}

function entityInput(input: {
  name?: string | undefined
  policies?: string[] | undefined
  metadata?: Record<string, string> | undefined
  disabled?: boolean | undefined
}): EntityInput {
  const out: EntityInput = {}
  if (input.name !== undefined) out.name = input.name
  if (input.policies !== undefined) out.policies = input.policies
  if (input.metadata !== undefined) {
    validateIdentityMetadata('entity', input.metadata)
    out.metadata = input.metadata
  }
  if (input.disabled !== undefined) out.disabled = input.disabled
  return out
}

/** Vault answers a create with the new ids and an update with no body. */
function created(entity: EntityRecord, isNew: boolean): LogicalResponse | undefined {
  return isNew ? { data: { id: entity.id, name: entity.name, aliases: null } } : undefined
}

async function show(
  store: IdentityStore,
  entity: EntityRecord | undefined,
): Promise<LogicalResponse | undefined> {
  if (!entity) return undefined
  return { data: entityView(entity, await store.entityGroups(entity.id), store.mounts) }
}

function listed(keys: string[], keyInfo?: Record<string, unknown>): LogicalResponse | undefined {
  if (keys.length === 0) return undefined
  return { data: keyInfo ? { keys, key_info: keyInfo } : { keys } }
}

const mergeFields = {
  from_entity_ids: f.list({ description: 'Entities to merge into to_entity_id.' }),
  to_entity_id: f.string({ description: 'The entity that remains.' }),
  conflicting_alias_ids_to_keep: f.list({
    description: 'Where a moved alias and one on to_entity_id share a mount, the alias IDs that survive.',
  }),
  force: f.bool({ description: 'Accepted for compatibility; Coffer keeps no MFA secrets on entities.' }),
}

export function entityPaths(store: IdentityStore) {
  return [
    definePath({
      pattern: 'entity/batch-delete',
      fields: {
        entity_ids: f.list({ description: 'Entities to delete; unknown IDs are skipped.' }),
      },
      operations: {
        update: async ({ input }) => {
          const ids = input.entity_ids ?? []
          if (ids.length === 0) throw new InvalidRequestError('missing entity ids to delete')
          for (const id of new Set(ids)) await store.deleteEntity(id)
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'entity/merge',
      fields: mergeFields,
      operations: {
        update: async ({ input }) => {
          // Vault checks these in its handler, with its own texts, not as required fields.
          if (!input.to_entity_id) throw new InvalidRequestError('missing entity id to merge to')
          if (!input.from_entity_ids?.length)
            throw new InvalidRequestError('missing entity ids to merge from')
          await store.mergeEntities({
            toEntityId: input.to_entity_id!,
            fromEntityIds: input.from_entity_ids ?? [],
            keepAliasIds: input.conflicting_alias_ids_to_keep ?? [],
          })
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'entity',
      fields: entityFields,
      operations: {
        update: async ({ input }) => {
          const { entity, created: isNew } = await store.upsertEntity(input.id, entityInput(input))
          return created(entity, isNew)
        },
      },
    }),
    definePath({
      pattern: 'entity/id/',
      listKeys: 'names',
      operations: {
        list: async () => {
          const entities = await store.entities()
          const info: Record<string, unknown> = {}
          for (const e of entities) info[e.id] = entityListInfo(e, store.mounts)
          return listed(
            entities.map((e) => e.id),
            info,
          )
        },
      },
    }),
    definePath({
      pattern: 'entity/id/:id',
      fields: { ...entityFields, id: f.string() },
      exists: async ({ params }) => (await store.entity(params['id']!)) !== undefined,
      operations: {
        read: async ({ params }) => show(store, await store.entity(params['id']!)),
        update: async ({ params, input }) => {
          if (!(await store.entity(params['id']!))) throw new InvalidRequestError('entity not found from id')
          await store.upsertEntity(params['id'], entityInput(input))
          return undefined
        },
        delete: async ({ params }) => {
          await store.deleteEntity(params['id']!)
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'entity/name/',
      listKeys: 'names',
      operations: {
        list: async () => listed((await store.entities()).map((e) => e.name).sort()),
      },
    }),
    definePath({
      // Vault's entity/name/(?P<name>.+): a name may hold '/' (identity/entity accepts one), and must stay reachable.
      pattern: 'entity/name/*name',
      fields: entityFields,
      exists: async ({ params }) => (await store.entityByName(params['name']!)) !== undefined,
      operations: {
        read: async ({ params }) => show(store, await store.entityByName(params['name']!)),
        update: async ({ params, input }) => {
          const existing = await store.entityByName(params['name']!)
          const { entity, created: isNew } = await store.upsertEntity(existing?.id, {
            ...entityInput(input),
            name: existing?.name ?? params['name']!,
          })
          return created(entity, isNew)
        },
        delete: async ({ params }) => {
          const entity = await store.entityByName(params['name']!)
          if (entity) await store.deleteEntity(entity.id)
          return undefined
        },
      },
    }),
    // Vault still answers on the older names of these paths, alias and persona, as on entity-alias.
    ...ALIAS_PREFIXES.flatMap((prefix) => aliasPaths(store, prefix)),
  ]
}

const ALIAS_PREFIXES = ['entity-alias', 'alias', 'persona']

function aliasPaths(store: IdentityStore, prefix: string) {
  return [
    definePath({
      pattern: prefix,
      fields: aliasFields,
      operations: {
        update: async ({ input }) => {
          const { alias, changed } = await store.upsertAlias(input.id, aliasInput(input))
          return changed ? { data: { id: alias.id, canonical_id: alias.canonicalId } } : undefined
        },
      },
    }),
    definePath({
      pattern: `${prefix}/id/`,
      listKeys: 'names',
      operations: {
        list: async () => {
          const info: Record<string, unknown> = {}
          for (const id of await store.aliasIds()) {
            const found = await store.alias(id)
            if (!found) continue
            info[id] = aliasListInfo(found.alias, store.mounts)
          }
          return listed(Object.keys(info), info)
        },
      },
    }),
    definePath({
      pattern: `${prefix}/id/:id`,
      fields: aliasFields,
      operations: {
        read: async ({ params }) => {
          const found = await store.alias(params['id']!)
          return found ? { data: aliasView(found.alias, store.mounts) } : undefined
        },
        update: async ({ params, input }) => {
          // Vault answers a change with the alias's id and entity, an update that changes nothing with a 204.
          const { alias, changed } = await store.upsertAlias(params['id'], aliasInput(input))
          return changed ? { data: { id: alias.id, canonical_id: alias.canonicalId } } : undefined
        },
        delete: async ({ params }) => {
          await store.deleteAlias(params['id']!)
          return undefined
        },
      },
    }),
  ]
}

function aliasInput(input: {
  name?: string | undefined
  canonical_id?: string | undefined
  entity_id?: string | undefined
  mount_accessor?: string | undefined
  custom_metadata?: Record<string, string> | undefined
}) {
  const out: {
    name?: string
    canonicalId?: string
    mountAccessor?: string
    customMetadata?: Record<string, string>
  } = {}
  if (input.name !== undefined) out.name = input.name
  // Vault still reads the old entity_id when canonical_id is empty; ignoring it would tie the alias to a new entity.
  if (input.canonical_id) out.canonicalId = input.canonical_id
  else if (input.entity_id) out.canonicalId = input.entity_id
  else if (input.canonical_id !== undefined) out.canonicalId = input.canonical_id
  if (input.mount_accessor !== undefined) out.mountAccessor = input.mount_accessor
  if (input.custom_metadata !== undefined) out.customMetadata = input.custom_metadata
  return out
}
