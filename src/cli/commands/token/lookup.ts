// `coffer token lookup [TOKEN]`: token properties for our own token, another token or an accessor.
import type { CommandSpec } from '../../context.ts'
import { CliError, remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { printSecret } from '../../output.ts'

export const tokenLookupCommand: CommandSpec = {
  path: ['token', 'lookup'],
  usage: '[options] [TOKEN | ACCESSOR]',
  summary: "Show a token's properties (our own when no argument is given)",
  flags: [{ name: 'accessor', kind: 'bool', usage: 'Treat the argument as an accessor' }],
  output: true,
  maxArgs: 1,
  async run(ctx) {
    const client = ctx.client()
    const arg = ctx.args[0]
    const byAccessor = ctx.flags.bool('accessor')
    if (byAccessor && arg === undefined) throw new UsageError('-accessor needs an ACCESSOR argument')
    const envelope = await remote('Error looking up token', () => {
      if (arg === undefined) return client.read('auth/token/lookup-self')
      if (byAccessor) return client.write('auth/token/lookup-accessor', { accessor: arg })
      return client.write('auth/token/lookup', { token: arg })
    })
    if (!envelope) throw new CliError('Error looking up token: no data returned', 2)
    return printSecret(ctx, envelope)
  },
}
