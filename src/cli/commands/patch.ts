// `coffer patch PATH K=V...`: JSON merge patch against any path.
import type { CommandSpec } from '../context.ts'
import { remote } from '../context.ts'
import { UsageError } from '../flags.ts'
import { parseDataArgs } from '../kv-args.ts'
import { printSecret, success } from '../output.ts'

export const patchCommand: CommandSpec = {
  path: ['patch'],
  usage: '[options] PATH [K=V...]',
  summary: 'Patch data at any path (JSON merge patch)',
  flags: [{ name: 'force', kind: 'bool', usage: 'Allow a patch with no data', aliases: ['f'] }],
  output: true,
  minArgs: 1,
  async run(ctx) {
    const [path, ...rest] = ctx.args as [string, ...string[]]
    const data = await parseDataArgs(rest, ctx)
    if (Object.keys(data).length === 0 && !ctx.flags.bool('force')) {
      throw new UsageError('must supply data or use -force')
    }
    const envelope = await remote(`Error patching ${path}`, () => ctx.client().patch(path, data))
    if (!envelope || (envelope.data == null && !envelope.auth)) {
      return ctx.format === 'table' && ctx.field === undefined ? success(ctx, `Data written to: ${path}`) : 0
    }
    return printSecret(ctx, envelope)
  },
}
