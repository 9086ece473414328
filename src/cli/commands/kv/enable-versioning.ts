// `coffer kv enable-versioning PATH`: upgrade a KV v1 mount to v2 in place.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { success } from '../../output.ts'
import { cleanMountPath } from '../mount-table.ts'

export const kvEnableVersioningCommand: CommandSpec = {
  path: ['kv', 'enable-versioning'],
  usage: '[options] MOUNT',
  summary: 'Turn on versioning (KV v2) for a KV v1 mount',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const path = cleanMountPath(ctx.args[0] as string)
    await remote(`Error tuning secrets engine ${path}`, () =>
      ctx.client().write(`sys/mounts/${path}tune`, { options: { version: '2' } }),
    )
    return success(ctx, `Tuned the secrets engine at: ${path}`)
  },
}
