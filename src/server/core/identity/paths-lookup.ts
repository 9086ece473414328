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

/**
 * Exactly one criterion, with alias_name and alias_mount_accessor counting as one and needing each other. Vault's
 * order (lookup.go): none given, then more than one (an alias name beside anything but its accessor is a conflict),
 * then half of the alias pair.
 */
function criterion(input: Criteria): keyof Criteria {
  const given = (['name', 'id', 'alias_id', 'alias_name', 'alias_mount_accessor'] as const).filter(
    (key) => input[key] !== undefined && input[key] !== '',
  )
  if (given.length === 0) throw new InvalidRequestError('query parameter not supplied')
  const aliasPair =
    given.length === 2 && given.includes('alias_name') && given.includes('alias_mount_accessor')
  if (given.length > 1 && !aliasPair)
    throw new InvalidRequestError('query parameter conflict; please supply distinct set of query parameters')
  if (aliasPair) return 'alias_name'
  if (given[0] === 'alias_name' || given[0] === 'alias_mount_accessor')
    throw new InvalidRequestError("both 'alias_name' and 'alias_mount_accessor' needs to be set")
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
