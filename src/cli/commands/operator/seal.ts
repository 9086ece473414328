// `coffer operator seal`: seal the server; it then refuses requests until unsealed again.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { success } from '../../output.ts'

export const operatorSealCommand: CommandSpec = {
  path: ['operator', 'seal'],
  usage: '[options]',
  summary: 'Seal the server (needs a token with sudo on sys/seal)',
  maxArgs: 0,
  async run(ctx) {
    await remote('Error sealing', () => ctx.client().seal())
    return success(ctx, 'Coffer is sealed.')
  },
}
