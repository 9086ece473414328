// `coffer auth disable PATH`: unmount an auth method, revoking the tokens it issued.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { success } from '../../output.ts'
import { cleanMountPath } from '../mount-table.ts'

export const authDisableCommand: CommandSpec = {
  path: ['auth', 'disable'],
  usage: '[options] PATH',
  summary: 'Disable an auth method',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const path = cleanMountPath(ctx.args[0] as string)
    await remote(`Error disabling auth method at ${path}`, () =>
      ctx.client().delete(`sys/auth/${path.slice(0, -1)}`),
    )
    return success(ctx, `Disabled the auth method (if it existed) at: ${path}`)
  },
}
