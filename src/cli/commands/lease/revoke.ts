// `coffer lease revoke [-prefix] [-force] [-sync=false] ID`: end a lease, or every lease under a prefix.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { success } from '../../output.ts'

export const leaseRevokeCommand: CommandSpec = {
  path: ['lease', 'revoke'],
  usage: '[options] ID',
  summary: 'Revoke a lease or every lease under a prefix',
  help:
    'With -prefix, ID is a path prefix such as database/creds/readonly. -force (with -prefix) removes the ' +
    'leases even when the backend cannot revoke the secrets behind them: use it only when those secrets are ' +
    'known to be gone, since Coffer then forgets them.',
  flags: [
    { name: 'prefix', kind: 'bool', usage: 'Treat ID as a prefix' },
    { name: 'force', kind: 'bool', usage: 'Remove the leases even if revocation fails (needs -prefix)' },
    { name: 'sync', kind: 'bool', usage: 'Wait for the revocation (default true)' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const id = ctx.args[0] as string
    const prefix = ctx.flags.bool('prefix')
    const force = ctx.flags.bool('force')
    if (force && !prefix) throw new UsageError('-force requires -prefix')
    const sync = ctx.flags.has('sync') ? ctx.flags.bool('sync') : true
    const client = ctx.client()
    await remote('Error revoking lease', async () => {
      if (force) await client.write(`sys/leases/revoke-force/${id}`, {})
      else if (prefix) await client.write(`sys/leases/revoke-prefix/${id}`, { sync })
      else await client.write('sys/leases/revoke', { lease_id: id, sync })
    })
    if (force) return success(ctx, `Force revoked any leases with prefix: ${id}`)
    if (prefix) return success(ctx, `Revoked any leases with prefix: ${id}`)
    return success(ctx, sync ? `Revoked lease: ${id}` : `Revocation queued for: ${id}`)
  },
}
