// identity/group and identity/group-alias: internal and external groups, and the aliases that map external ones.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import type { LogicalResponse } from '../../../sdk/request.ts'
import type { GroupInput, IdentityStore } from './identity-store.ts'
import { validateIdentityMetadata } from './metadata-rules.ts'
import { aliasListInfo, aliasView, type GroupRecord, groupListInfo, groupView } from './records.ts'

const groupFields = {
  id: f.string(),
  name: f.string(),
  type: f.string(),
  policies: f.list(),
  metadata: f.kvPairs(),
  member_entity_ids: f.list(),
  member_group_ids: f.list(),
}

const groupAliasFields = {
  id: f.string(),
  name: f.string(),
  mount_accessor: f.string(),
  canonical_id: f.string(),
}

type GroupFieldValues = {
  name?: string | undefined
  type?: string | undefined
  policies?: string[] | undefined
  metadata?: Record<string, string> | undefined
  member_entity_ids?: string[] | undefined
  member_group_ids?: string[] | undefined
}

function groupInput(input: GroupFieldValues): GroupInput {
  const out: GroupInput = {}
  if (input.name !== undefined) out.name = input.name
  if (input.type !== undefined) out.type = input.type
  if (input.policies !== undefined) out.policies = input.policies
  if (input.metadata !== undefined) {
    validateIdentityMetadata('group', input.metadata)
    out.metadata = input.metadata
  }
  if (input.member_entity_ids !== undefined) out.memberEntityIds = input.member_entity_ids
  if (input.member_group_ids !== undefined) out.memberGroupIds = input.member_group_ids
  return out
}

export function showGroup(store: IdentityStore, group: GroupRecord | undefined): LogicalResponse | undefined {
  if (!group) return undefined
  return { data: groupView(group, store.groups.parentsOf(group.id), store.mounts) }
}

/** Vault's handleGroupUpdateCommon answers every create and update with the group's id and name. */
function answered(group: GroupRecord): LogicalResponse {
  return { data: { id: group.id, name: group.name } }
}

function allGroups(store: IdentityStore): GroupRecord[] {
  return [...store.groups.all].sort((a, b) => (a.id < b.id ? -1 : 1))
}

function listed(keys: string[], keyInfo?: Record<string, unknown>): LogicalResponse | undefined {
  if (keys.length === 0) return undefined
  return { data: keyInfo ? { keys, key_info: keyInfo } : { keys } }
}

export function groupPaths(store: IdentityStore) {
  return [
    definePath({
      pattern: 'group',
      fields: groupFields,
      operations: {
        update: async ({ input }) => {
          const { group } = await store.upsertGroup(input.id, groupInput(input))
          return answered(group)
        },
      },
    }),
    definePath({
      pattern: 'group/id/',
      listKeys: 'names',
      operations: {
        list: () => {
          const groups = allGroups(store)
          const info: Record<string, unknown> = {}
          for (const g of groups) info[g.id] = groupListInfo(g, store.groups.parentsOf(g.id), store.mounts)
          return listed(
            groups.map((g) => g.id),
            info,
          )
        },
      },
    }),
    definePath({
      pattern: 'group/id/:id',
      fields: groupFields,
      exists: async ({ params }) => store.groups.get(params['id']!) !== undefined,
      operations: {
        read: ({ params }) => showGroup(store, store.groups.get(params['id']!)),
        update: async ({ params, input }) => {
          if (!store.groups.get(params['id']!)) throw new InvalidRequestError('invalid group ID')
          const { group } = await store.upsertGroup(params['id'], groupInput(input))
          return answered(group)
        },
        delete: async ({ params }) => {
          await store.deleteGroup(params['id']!)
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'group/name/',
      listKeys: 'names',
      operations: {
        list: () =>
          listed(
            allGroups(store)
              .map((g) => g.name)
              .sort(),
          ),
      },
    }),
    definePath({
      // Vault's group/name/(?P<name>.+): a name may hold '/' (identity/group accepts one), and must stay reachable.
      pattern: 'group/name/*name',
      fields: groupFields,
      exists: async ({ params }) => store.groups.byName(params['name']!) !== undefined,
      operations: {
        read: ({ params }) => showGroup(store, store.groups.byName(params['name']!)),
        update: async ({ params, input }) => {
          const existing = store.groups.byName(params['name']!)
          const { group } = await store.upsertGroup(existing?.id, {
            ...groupInput(input),
            name: existing?.name ?? params['name']!,
          })
          return answered(group)
        },
        delete: async ({ params }) => {
          const group = store.groups.byName(params['name']!)
          if (group) await store.deleteGroup(group.id)
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'group-alias',
      fields: groupAliasFields,
      operations: {
        update: async ({ input }) => {
          // Vault's handleGroupAliasUpdateCommon answers every create and update with the alias's id and group.
          const { alias } = await store.upsertGroupAlias(input.id, groupAliasInput(input))
          return { data: { id: alias.id, canonical_id: alias.canonicalId } }
        },
      },
    }),
    definePath({
      pattern: 'group-alias/id/',
      listKeys: 'names',
      operations: {
        list: () => {
          const info: Record<string, unknown> = {}
          for (const group of allGroups(store)) {
            if (!group.alias) continue
            info[group.alias.id] = aliasListInfo(group.alias, store.mounts)
          }
          return listed(Object.keys(info).sort(), info)
        },
      },
    }),
    definePath({
      pattern: 'group-alias/id/:id',
      fields: groupAliasFields,
      operations: {
        read: ({ params }) => {
          const alias = store.groups.byAliasId(params['id']!)?.alias
          return alias ? { data: aliasView(alias, store.mounts) } : undefined
        },
        update: async ({ params, input }) => {
          const { alias } = await store.upsertGroupAlias(params['id'], groupAliasInput(input))
          return { data: { id: alias.id, canonical_id: alias.canonicalId } }
        },
        delete: async ({ params }) => {
          await store.deleteGroupAlias(params['id']!)
          return undefined
        },
      },
    }),
  ]
}

function groupAliasInput(input: {
  name?: string | undefined
  mount_accessor?: string | undefined
  canonical_id?: string | undefined
}) {
  const out: { name?: string; mountAccessor?: string; canonicalId?: string } = {}
  if (input.name !== undefined) out.name = input.name
  if (input.mount_accessor !== undefined) out.mountAccessor = input.mount_accessor
  if (input.canonical_id !== undefined) out.canonicalId = input.canonical_id
  return out
}
