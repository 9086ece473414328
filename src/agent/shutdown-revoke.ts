// revoke_on_shutdown: when the agent stops, what it obtained ends with it: the templates' leases, then its token.
import type { VaultClient } from '../client/index.ts'

export interface ShutdownRevokeOptions {
  client: VaultClient
  leaseIds: string[]
  /** The token is the agent's own login (auto_auth), not one it was handed (token_file, VAULT_TOKEN). */
  revokeToken: boolean
  log(level: 'info' | 'error', message: string): void
}

/**
 * Best effort, as any work done at exit: a failure is logged and the rest still tried. The leases go first (by
 * lease id, needing `update` on sys/leases/revoke), then the token, whose revocation also ends any lease of it
 * the first step could not.
 */
export async function revokeOnShutdown(options: ShutdownRevokeOptions): Promise<void> {
  let revoked = 0
  for (const leaseId of options.leaseIds) {
    try {
      await options.client.request('PUT', 'sys/leases/revoke', { body: { lease_id: leaseId } })
      revoked++
    } catch (error) {
      options.log('error', `revoke_on_shutdown: a lease could not be revoked: ${errorText(error)}`)
    }
  }
  if (options.leaseIds.length > 0)
    options.log('info', `revoke_on_shutdown: ${revoked} of ${options.leaseIds.length} leases revoked`)
  if (!options.revokeToken || !options.client.token) return
  try {
    await options.client.request('PUT', 'auth/token/revoke-self', { body: {} })
    options.client.setToken(undefined)
    options.log('info', 'revoke_on_shutdown: the agent token was revoked')
  } catch (error) {
    options.log('error', `revoke_on_shutdown: the agent token could not be revoked: ${errorText(error)}`)
  }
}

/** The status or reason only: an API error's message is safe, but kept short. */
function errorText(error: unknown): string {
  const status = (error as { status?: unknown }).status
  return typeof status === 'number' ? `HTTP ${status}` : ((error as Error).message ?? 'unknown error')
}
