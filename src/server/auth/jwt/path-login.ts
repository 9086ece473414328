// POST login {role, jwt}: the JWT is verified against the mount's keys and the role's bindings; core mints the token.
import { addressAllowed } from '../../../lib/cidr.ts'
import { InvalidRequestError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { ClaimError } from './claims.ts'
import { keySourceKind } from './jwt-config.ts'
import { SignatureError } from './key-source.ts'
import { loadRole } from './role.ts'
import type { JwtState } from './state.ts'
import { loginGrant, validateClaims } from './validate.ts'

const fields = {
  role: f.string({ description: 'The role to log in with; the config’s default_role when absent.' }),
  jwt: f.string({ description: 'The signed JWT.', sensitive: true }),
}

export const loginPath = definePath<typeof fields, JwtState>({
  pattern: 'login',
  fields,
  help: 'Log in with a signed JWT.',
  operations: {
    update: async ({ storage, state, input, request, system }) => {
      const { config, source } = await state.current(storage)
      if (!config || !source) throw new InvalidRequestError('could not load configuration')
      const roleName = (input.role || config.defaultRole).toLowerCase()
      if (roleName === '') throw new InvalidRequestError('missing role')
      const role = await loadRole(storage, roleName)
      if (!role) throw new InvalidRequestError(`role "${roleName}" could not be found`)
      if (role.roleType === 'oidc') throw new InvalidRequestError('role with oidc role_type is not allowed')
      const jwt = input.jwt ?? ''
      if (jwt === '') throw new InvalidRequestError('missing token')
      // Vault checks the caller's address before it looks at the token at all.
      if (!addressAllowed(request.remoteAddress, role.token.tokenBoundCidrs))
        throw new PermissionDeniedError()
      try {
        const claims = await source.verify(jwt)
        const discovery = keySourceKind(config) === 'oidc_discovery' ? await source.discovery() : undefined
        validateClaims(claims, role, {
          // Vault holds every JWT login to bound_issuer, discovery included; the provider's own issuer is checked
          // as well, since those are the only tokens its keys should be taken for.
          issuers: [config.boundIssuer, discovery?.issuer ?? ''],
          // As in Vault, whatever the key source: a token naming an audience is refused by a role binding none.
          strictAudience: true,
          nowSeconds: Math.floor(system.now() / 1000),
        })
        return { auth: loginGrant(claims, role, roleName) }
      } catch (error) {
        if (error instanceof SignatureError || error instanceof ClaimError)
          throw new InvalidRequestError(error.message)
        throw error
      }
    },
  },
})
