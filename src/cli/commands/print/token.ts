// `coffer print token`: print the token later commands would send, as `vault print token` does.
import { resolveToken } from '../../config.ts'
import type { CommandSpec } from '../../context.ts'

export const printTokenCommand: CommandSpec = {
  path: ['print', 'token'],
  usage: '',
  summary: 'Print the token in use (VAULT_TOKEN, else the token file)',
  help:
    'Prints an empty line when no token is set, as Vault does, so `$(coffer print token)` is empty\n' +
    'rather than an error in scripts that test for it.',
  offline: true,
  maxArgs: 0,
  async run(ctx) {
    ctx.out(resolveToken(ctx.env, ctx.homeDir) ?? '')
    return 0
  },
}
