// identity/lookup/entity and identity/lookup/group: find one by name, id, alias id, or alias name and mount.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import type { IdentityStore } from './identity-store.ts'
import { showGroup } from './paths-group.ts'
import { entityView } from './records.ts'

const lookupFields = {
  type: f.string(),
  name: f.string(),
  id: f.string(),
  alias_id: f.string(),
  alias_name: f.string(),
  alias_mount_accessor: f.string(),
}

type Criteria = {
  name?: string
  id?: string
  alias_id?: string
  alias_name?: string
  alias_mount_accessor?: string
}

/** Exactly one criterion, with alias_name and alias_mount_accessor counting as one and needing each other. */
function criterion(input: Criteria): keyof Criteria {
  const given = (['name', 'id', 'alias_id', 'alias_name', 'alias_mount_accessor'] as const).filter(
    (key) => input[key] !== undefined && input[key] !== '',
  )
  if (given.length === 0)
    throw new InvalidRequestError(
      'one of name, id, alias_id, or alias_name with alias_mount_accessor is required',
    )
  const usesAliasName = given.includes('alias_name') || given.includes('alias_mount_accessor')
  if (usesAliasName) {
    if (!given.includes('alias_name') || !given.includes('alias_mount_accessor'))
      throw new InvalidRequestError(
        'both alias_name and alias_mount_accessor are needed to look up by alias name',
      )
    if (given.length > 2) throw new InvalidRequestError('only one lookup criterion may be given')
    return 'alias_name'
  }
  if (given.length > 1) throw new InvalidRequestError('only one lookup criterion may be given')
  return given[0]!
}

export function lookupPaths(store: IdentityStore) {
  return [
    definePath({
      pattern: 'lookup/entity',
      fields: lookupFields,
      operations: {
        update: async ({ input }) => {
          const by = criterion(input as Criteria)
          const entity =
            by === 'name'
              ? await store.entityByName(input.name!)
              : by === 'id'
                ? await store.entity(input.id!)
                : by === 'alias_id'
                  ? (await store.alias(input.alias_id!))?.entity
                  : (await store.aliasByName(input.alias_mount_accessor!, input.alias_name!))?.entity
          // Vault answers a lookup that finds nothing with an empty 204, not a 404.
          if (!entity) return undefined
          return { data: entityView(entity, await store.entityGroups(entity.id), store.mounts) }
        },
      },
    }),
    definePath({
      pattern: 'lookup/group',
      fields: lookupFields,
      operations: {
        update: ({ input }) => {
          const by = criterion(input as Criteria)
          const groups = store.groups
          const group =
            by === 'name'
              ? groups.byName(input.name!)
              : by === 'id'
                ? groups.get(input.id!)
                : by === 'alias_id'
                  ? groups.byAliasId(input.alias_id!)
                  : groups.byAlias(input.alias_mount_accessor!, input.alias_name!)
          return showGroup(store, group)
        },
      },
    }),
  ]
}
