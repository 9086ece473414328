// `coffer operator unseal [KEY]`: submit one unseal key share (argument or stdin; never prompts).
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { printSealStatus } from './seal-status-view.ts'

export const operatorUnsealCommand: CommandSpec = {
  path: ['operator', 'unseal'],
  usage: '[options] [KEY]',
  summary: 'Submit one unseal key share',
  help: 'With no KEY argument (or KEY "-"), the key is read from the first line of stdin.',
  flags: [{ name: 'reset', kind: 'bool', usage: 'Discard the shares submitted so far' }],
  output: true,
  maxArgs: 1,
  async run(ctx) {
    const client = ctx.client()
    if (ctx.flags.bool('reset')) {
      const status = await remote('Error resetting unseal process', () => client.unseal('', { reset: true }))
      return printSealStatus(ctx, status)
    }
    let key = ctx.args[0]
    if (key === undefined || key === '-') key = (await ctx.readStdin()).split('\n')[0]?.trim() ?? ''
    if (key === '') throw new UsageError('no unseal key given: pass it as an argument or on stdin')
    const status = await remote('Error unsealing', () => client.unseal(key))
    return printSealStatus(ctx, status)
  },
}
