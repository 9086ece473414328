// The aws-keys auth method: access key pairs bound to roles, and logins with SigV4-signed requests.
import { defineBackend } from '../../../sdk/framework/backend.ts'
import { internalString, requireStillExists } from '../../../sdk/framework/login-renew.ts'
import { loadAccessKey } from './key-store.ts'
import {
  accessKeyListPath,
  accessKeyPathDef,
  createAccessKeyPath,
  rotateAccessKeyPath,
} from './path-access-key.ts'
import { loginPath } from './path-login.ts'
import { roleListPath, rolePath } from './path-role.ts'
import { loadRole } from './role-store.ts'
import { type AwsKeysState, setupAwsKeys } from './state.ts'

export const awsKeysBackend = defineBackend<AwsKeysState>({
  kind: 'auth',
  help: 'The aws-keys auth method issues AWS-style access key pairs bound to roles, and logs in SigV4-signed requests.',
  paths: [
    roleListPath,
    rolePath,
    createAccessKeyPath,
    accessKeyListPath,
    accessKeyPathDef,
    rotateAccessKeyPath,
    loginPath,
  ],
  specialPaths: { unauthenticated: ['login'] },
  setup: setupAwsKeys,
  // A service token (when the role asks for them) renews only while its access key and role exist.
  renewLogin: async ({ storage }, { internal }) => {
    const entry = requireStillExists(
      await loadAccessKey(storage, internalString(internal, 'accessKeyId')),
      'the access key',
    )
    requireStillExists(await loadRole(storage, entry.role), 'the role')
    return undefined
  },
})
