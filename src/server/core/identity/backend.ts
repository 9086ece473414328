// identity/: the built-in mount serving the identity store's API (entities, aliases, groups, lookups).
import { defineBackend } from '../../../sdk/framework/backend.ts'
import type { IdentityStore } from './identity-store.ts'
import { entityPaths } from './paths-entity.ts'
import { groupPaths } from './paths-group.ts'
import { lookupPaths } from './paths-lookup.ts'

export function createIdentityBackend(store: IdentityStore) {
  return defineBackend<unknown>({
    kind: 'secret',
    help: 'The identity store: entities and their aliases on auth mounts, internal and external groups.',
    paths: [...entityPaths(store), ...groupPaths(store), ...lookupPaths(store)],
  })
}
