// `coffer operator key-status`: the barrier encryption key's term and install time.
import type { CommandContext, CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printData } from '../../output.ts'

export async function printKeyStatus(ctx: CommandContext): Promise<number> {
  const status = await remote('Error reading key status', () => ctx.client().keyStatus())
  const rows: [string, unknown][] = [
    ['Key Term', status.term],
    ['Install Time', status.install_time],
  ]
  if (status.encryptions !== undefined) rows.push(['Encryption Count', status.encryptions])
  return printData(ctx, status as Record<string, unknown>, rows)
}

export const operatorKeyStatusCommand: CommandSpec = {
  path: ['operator', 'key-status'],
  usage: '[options]',
  summary: 'Show the current barrier key term',
  output: true,
  maxArgs: 0,
  run: printKeyStatus,
}
