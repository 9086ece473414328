// `coffer audit disable PATH`: disable an audit device (its final checkpoint is written first).
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { success } from '../../output.ts'
import { cleanMountPath } from '../mount-table.ts'

export const auditDisableCommand: CommandSpec = {
  path: ['audit', 'disable'],
  usage: '[options] PATH',
  summary: 'Disable an audit device',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const path = cleanMountPath(ctx.args[0] as string)
    await remote(`Error disabling audit device`, () => ctx.client().delete(`sys/audit/${path.slice(0, -1)}`))
    return success(ctx, `Disabled audit device (if it was enabled) at: ${path}`)
  },
}
