// The token auth method, mounted at auth/token/: part of core because it mints and revokes tokens.
import { defineBackend } from '../../../sdk/framework/backend.ts'
import { type TokenCreateServices, tokenCreatePaths } from './token-create.ts'
import { type TokenManageServices, tokenManagePaths } from './token-manage.ts'
import { createRolePath, rolesListPath, tokenRoleHolders } from './token-roles.ts'

/** The narrow view of core's services the token backend is built from. */
export type TokenBackendServices = TokenCreateServices & TokenManageServices

export function createTokenBackend(services: TokenBackendServices) {
  return defineBackend<unknown>({
    kind: 'auth',
    help: 'The token store: create, look up, renew and revoke tokens, and manage token roles.',
    specialPaths: { root: ['revoke-orphan', 'accessors/', 'accessors'] },
    paths: [
      ...tokenCreatePaths(services),
      ...tokenManagePaths(services),
      rolesListPath,
      createRolePath(() => services.mounts.effectiveTtls(services.mounts.find('auth/token/')!).maxLeaseTtl),
    ],
    policyHolders: ({ storage }) => tokenRoleHolders(storage),
  })
}
