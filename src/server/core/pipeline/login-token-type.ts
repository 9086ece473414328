// The type of token a login mints: the auth mount's tuned token_type settles what the role asked for, as in Vault.
import type { AuthGrant } from '../../../sdk/request.ts'

/**
 * Vault's router: a mount tuned to "service" or "batch" fixes the type whatever the role says; "default-batch"
 * makes a batch token unless the role asks for service; "default-service" (or none) a service token unless the
 * role asks for batch.
 */
export function loginTokenType(
  mountType: string | undefined,
  asked: AuthGrant['tokenType'],
): 'service' | 'batch' {
  if (mountType === 'service' || mountType === 'batch') return mountType
  if (mountType === 'default-batch')
    return asked === 'service' || asked === 'default-service' ? 'service' : 'batch'
  return asked === 'batch' || asked === 'default-batch' ? 'batch' : 'service'
}
