// `coffer secrets disable PATH`: unmount a secrets engine, revoking its leases and deleting its data.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { success } from '../../output.ts'
import { cleanMountPath } from '../mount-table.ts'

export const secretsDisableCommand: CommandSpec = {
  path: ['secrets', 'disable'],
  usage: '[options] PATH',
  summary: 'Disable a secrets engine and delete all its data',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const path = cleanMountPath(ctx.args[0] as string)
    await remote(`Error disabling secrets engine at ${path}`, () =>
      ctx.client().delete(`sys/mounts/${path.slice(0, -1)}`),
    )
    return success(ctx, `Disabled the secrets engine (if it existed) at: ${path}`)
  },
}
