// identity/: the built-in mount serving the identity store's API (entities, aliases, groups, lookups, identity tokens).
import type { Logger } from '../../../lib/logger.ts'
import { defineBackend } from '../../../sdk/framework/backend.ts'
import type { IdentityStore } from './identity-store.ts'
import { IdentityTokens } from './oidc/identity-tokens.ts'
import { identityTokenPaths, UNAUTHENTICATED_PATHS } from './oidc/paths.ts'
import { entityPaths } from './paths-entity.ts'
import { groupPaths } from './paths-group.ts'
import { lookupPaths } from './paths-lookup.ts'

/** What identity tokens need beyond the store: the default issuer address, the clock and a logger. */
export interface IdentityBackendOptions {
  apiAddr: () => string
  now: () => number
  logger: Logger
}

export function createIdentityBackend(store: IdentityStore, opts?: IdentityBackendOptions) {
  const tokens = new IdentityTokens({
    identity: store,
    apiAddr: opts?.apiAddr ?? (() => ''),
    now: opts?.now ?? Date.now,
    log: (level, message, context) => opts?.logger.log(level, message, context),
  })
  return defineBackend<unknown>({
    kind: 'secret',
    help: 'The identity store: entities and their aliases on auth mounts, internal and external groups.',
    paths: [
      ...entityPaths(store),
      ...groupPaths(store),
      ...lookupPaths(store),
      ...identityTokenPaths(tokens),
    ],
    specialPaths: { unauthenticated: UNAUTHENTICATED_PATHS },
    // Identity tokens' signing keys rotate on their rotation_period, and retired public keys expire.
    periodic: ({ storage }) => tokens.sweep(storage),
  })
}
