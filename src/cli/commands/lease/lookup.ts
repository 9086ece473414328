// `coffer lease lookup LEASE_ID`: a lease's issue and expiry times, TTL, and any failed revocation attempts.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printData } from '../../output.ts'

export const leaseLookupCommand: CommandSpec = {
  path: ['lease', 'lookup'],
  usage: '[options] LEASE_ID',
  summary: 'Look up a lease',
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const envelope = await remote('Error looking up lease', () =>
      ctx.client().write('sys/leases/lookup', { lease_id: ctx.args[0] }),
    )
    return printData(ctx, (envelope?.data as Record<string, unknown> | undefined) ?? {})
  },
}
