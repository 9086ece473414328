// `coffer operator step-down`: ask the active node to give up leadership so a standby takes over.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { success } from '../../output.ts'

export const operatorStepDownCommand: CommandSpec = {
  path: ['operator', 'step-down'],
  usage: '[options]',
  summary: 'Make the active node step down (needs sudo on sys/step-down)',
  help: 'On a single node the server stays active: there is no standby to take over.',
  maxArgs: 0,
  async run(ctx) {
    const client = ctx.client()
    await remote('Error stepping down', () => client.write('sys/step-down', {}))
    return success(ctx, `Stepped down: ${client.address}`)
  },
}
