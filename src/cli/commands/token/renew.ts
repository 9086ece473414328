// `coffer token renew [TOKEN]`: extend a token's TTL (our own when no argument is given).
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printSecret } from '../../output.ts'

export const tokenRenewCommand: CommandSpec = {
  path: ['token', 'renew'],
  usage: '[options] [TOKEN | ACCESSOR]',
  summary: 'Renew a token',
  flags: [
    {
      name: 'increment',
      kind: 'duration',
      usage: 'Requested TTL extension; the server may cap it',
      aliases: ['i'],
    },
    { name: 'accessor', kind: 'bool', usage: 'Treat the argument as an accessor' },
  ],
  output: true,
  maxArgs: 1,
  async run(ctx) {
    const client = ctx.client()
    const arg = ctx.args[0]
    const body: Record<string, unknown> = {}
    if (ctx.flags.has('increment')) body['increment'] = ctx.flags.string('increment')
    const envelope = await remote('Error renewing token', () => {
      if (arg === undefined) return client.write('auth/token/renew-self', body)
      if (ctx.flags.bool('accessor'))
        return client.write('auth/token/renew-accessor', { ...body, accessor: arg })
      return client.write('auth/token/renew', { ...body, token: arg })
    })
    return printSecret(ctx, envelope ?? {})
  },
}
