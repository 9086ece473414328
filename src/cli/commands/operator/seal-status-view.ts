// Shared rendering of sys/seal-status for `status` and `operator unseal`.
import type { SealStatus } from '../../../client/index.ts'
import type { CommandContext } from '../../context.ts'
import { printData } from '../../output.ts'

export function printSealStatus(ctx: CommandContext, status: SealStatus, haEnabled?: boolean): number {
  const rows: [string, unknown][] = [
    ['Seal Type', status.type],
    ['Initialized', status.initialized],
    ['Sealed', status.sealed],
    ['Total Shares', status.n],
    ['Threshold', status.t],
  ]
  if (status.sealed) {
    rows.push(['Unseal Progress', `${status.progress}/${status.t}`])
    rows.push(['Unseal Nonce', status.nonce === '' || status.nonce === undefined ? 'n/a' : status.nonce])
  }
  rows.push(['Version', status.version ?? 'n/a'])
  if (status.build_date) rows.push(['Build Date', status.build_date])
  if (status.storage_type) rows.push(['Storage Type', status.storage_type])
  if (!status.sealed) {
    if (status.cluster_name) rows.push(['Cluster Name', status.cluster_name])
    if (status.cluster_id) rows.push(['Cluster ID', status.cluster_id])
  }
  if (haEnabled !== undefined) rows.push(['HA Enabled', haEnabled])
  const data: Record<string, unknown> =
    haEnabled === undefined ? { ...status } : { ...status, ha_enabled: haEnabled }
  return printData(ctx, data, rows)
}
