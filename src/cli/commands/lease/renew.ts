// `coffer lease renew [-increment=D] LEASE_ID`: extend a lease; the server caps it at the lease's max TTL.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printSecret } from '../../output.ts'

export const leaseRenewCommand: CommandSpec = {
  path: ['lease', 'renew'],
  usage: '[options] LEASE_ID',
  summary: 'Renew a lease',
  flags: [
    {
      name: 'increment',
      kind: 'duration',
      usage: 'Requested extension from now; the server may cap it',
      aliases: ['i'],
    },
  ],
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const body: Record<string, unknown> = { lease_id: ctx.args[0] }
    if (ctx.flags.has('increment')) body['increment'] = ctx.flags.string('increment')
    const envelope = await remote('Error renewing lease', () => ctx.client().write('sys/leases/renew', body))
    return printSecret(ctx, envelope ?? {})
  },
}
