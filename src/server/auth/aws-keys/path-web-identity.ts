// web-identity (no token needed): which auth mount and role verify web identity tokens for a role ARN, so that
// STS AssumeRoleWithWebIdentity knows where to log the token in before it asks for session credentials.
import { PermissionDeniedError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { accountId, roleNameFromArn } from './arn.ts'
import { loadRole } from './role-store.ts'
import type { AwsKeysState } from './state.ts'

const fields = { role_arn: f.string({ description: 'arn:aws:iam::<account_id>:role/<role name>' }) }

export const webIdentityPath = definePath<typeof fields, AwsKeysState>({
  pattern: 'web-identity',
  fields,
  help: 'The web identity configuration of a role ARN: the auth mount and role that verify its tokens.',
  operations: {
    update: async ({ storage, system, input }) => {
      const name = roleNameFromArn(input.role_arn ?? '', accountId(system))
      const role = name === undefined ? undefined : await loadRole(storage, name)
      // A missing role and a role without web identity are refused alike, as STS refuses both.
      if (name === undefined || !role?.webIdentityMount || !role.webIdentityRole)
        throw new PermissionDeniedError()
      return {
        data: {
          role: name,
          web_identity_mount: `auth/${role.webIdentityMount}`,
          web_identity_role: role.webIdentityRole,
        },
      }
    },
  },
})
