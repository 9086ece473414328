// The response envelope as `vault -format=json|yaml` prints it: Vault's CLI decodes into its Secret type and re-encodes.

import type { SecretEnvelope } from '../client/index.ts'

/**
 * Vault's CLI output holds exactly these keys, in this order: auth, wrap_info and mount_type only when set.
 * Anything else the server put at the top level (sys/mounts repeats its table there, for old clients) is
 * dropped, as Vault's decoding drops it; scripts that compare or walk the whole document see what vault gives.
 */
export function vaultEnvelope(envelope: SecretEnvelope): Record<string, unknown> {
  const shaped: Record<string, unknown> = {
    request_id: envelope.request_id ?? '',
    lease_id: envelope.lease_id ?? '',
    lease_duration: envelope.lease_duration ?? 0,
    renewable: envelope.renewable ?? false,
    data: envelope.data ?? null,
    warnings: envelope.warnings ?? null,
  }
  if (envelope.auth) shaped['auth'] = envelope.auth
  if (envelope.wrap_info) shaped['wrap_info'] = envelope.wrap_info
  const mountType = envelope['mount_type']
  if (typeof mountType === 'string' && mountType !== '') shaped['mount_type'] = mountType
  return shaped
}
