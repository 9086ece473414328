// `coffer operator rotate`: add a new barrier key term; older terms stay for decrypting old entries.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printKeyStatus } from './key-status.ts'

export const operatorRotateCommand: CommandSpec = {
  path: ['operator', 'rotate'],
  usage: '[options]',
  summary: 'Rotate the barrier encryption key',
  output: true,
  maxArgs: 0,
  async run(ctx) {
    await remote('Error rotating key', () => ctx.client().rotate())
    if (ctx.format === 'table' && ctx.field === undefined) ctx.out('Success! Rotated key\n')
    return printKeyStatus(ctx)
  },
}
