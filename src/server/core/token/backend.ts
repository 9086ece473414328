// The token auth method, mounted at auth/token/: part of core because it mints and revokes tokens.
import { defineBackend } from '../../../sdk/framework/backend.ts'
import type { Core } from '../core.ts'
import { tokenCreatePaths } from './token-create.ts'
import { tokenManagePaths } from './token-manage.ts'
import { rolePath, rolesListPath } from './token-roles.ts'

export function createTokenBackend(core: Core) {
  return defineBackend<unknown>({
    kind: 'auth',
    help: 'The token store: create, look up, renew and revoke tokens, and manage token roles.',
    specialPaths: { root: ['revoke-orphan', 'accessors/', 'accessors'] },
    paths: [...tokenCreatePaths(core), ...tokenManagePaths(core), rolesListPath, rolePath],
  })
}
