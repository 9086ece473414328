// `coffer token revoke`: revoke a token and its children, by value, accessor or self; -mode=orphan keeps children.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { success } from '../../output.ts'

export const tokenRevokeCommand: CommandSpec = {
  path: ['token', 'revoke'],
  usage: '[options] [TOKEN | ACCESSOR]',
  summary: 'Revoke a token',
  flags: [
    { name: 'accessor', kind: 'bool', usage: 'Treat the argument as an accessor' },
    { name: 'self', kind: 'bool', usage: 'Revoke the token making the request' },
    {
      name: 'mode',
      kind: 'string',
      usage: 'Empty (token and children) or "orphan" (children become orphans)',
    },
  ],
  maxArgs: 1,
  async run(ctx) {
    const client = ctx.client()
    const arg = ctx.args[0]
    const self = ctx.flags.bool('self')
    const accessor = ctx.flags.bool('accessor')
    const mode = ctx.flags.string('mode') ?? ''
    if (mode !== '' && mode !== 'orphan')
      throw new UsageError(`unsupported -mode ${JSON.stringify(mode)}: use orphan`)
    if (self && arg !== undefined) throw new UsageError('-self takes no argument')
    if (!self && arg === undefined) throw new UsageError('give a TOKEN or ACCESSOR, or use -self')
    if (accessor && mode === 'orphan') throw new UsageError('-mode=orphan cannot be combined with -accessor')
    await remote('Error revoking token', async () => {
      if (self) await client.write('auth/token/revoke-self', {})
      else if (accessor) await client.write('auth/token/revoke-accessor', { accessor: arg })
      else if (mode === 'orphan') await client.write('auth/token/revoke-orphan', { token: arg })
      else await client.write('auth/token/revoke', { token: arg })
    })
    return success(ctx, 'Revoked token (if it existed)')
  },
}
