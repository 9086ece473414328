// `coffer rotation status NAME`: a secret's rotation function, schedule, last and next rotation, and any failure.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printData } from '../../output.ts'
import { MOUNT_FLAG, rotationPath } from './mount.ts'

export const rotationStatusCommand: CommandSpec = {
  path: ['rotation', 'status'],
  usage: '[options] NAME',
  summary: 'Show how a secret’s rotation stands',
  help:
    'Shows the rotation function, rules, last and next rotation, the pending version and the rotation in ' +
    'progress or the last failure (the step and what the function reported) of a Secrets Manager secret (or, with -mount, a KV v2 secret).',
  flags: [MOUNT_FLAG],
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const envelope = await remote('Error reading the rotation status', () =>
      ctx.client().read(rotationPath(ctx, ctx.args[0])),
    )
    return printData(ctx, (envelope?.data as Record<string, unknown> | undefined) ?? {})
  },
}
