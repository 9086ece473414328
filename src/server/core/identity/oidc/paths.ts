// Every identity-token path under identity/oidc/, for the identity backend to serve.
import type { IdentityTokens } from './identity-tokens.ts'
import { keyPaths } from './paths-keys.ts'
import { rolePaths } from './paths-roles.ts'
import { tokenPaths } from './paths-tokens.ts'

export { UNAUTHENTICATED_PATHS } from './paths-tokens.ts'

export function identityTokenPaths(tokens: IdentityTokens) {
  return [...keyPaths(tokens), ...rolePaths(tokens), ...tokenPaths(tokens)]
}
