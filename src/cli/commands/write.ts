// `coffer write PATH [K=V...]`: PUT data to any path; prints the response or a success line for 204.
import type { CommandSpec } from '../context.ts'
import { remote } from '../context.ts'
import { UsageError } from '../flags.ts'
import { parseDataArgs } from '../kv-args.ts'
import { printSecret, success } from '../output.ts'

export const writeCommand: CommandSpec = {
  path: ['write'],
  usage: '[options] PATH [K=V...]',
  summary: 'Write data to any path',
  help: 'Values: K=V, K=@file (file contents), K=- (stdin); a lone - or @file.json reads a whole JSON object.',
  flags: [{ name: 'force', kind: 'bool', usage: 'Allow a write with no data', aliases: ['f'] }],
  output: true,
  minArgs: 1,
  async run(ctx) {
    const [path, ...rest] = ctx.args as [string, ...string[]]
    const data = await parseDataArgs(rest, ctx)
    if (Object.keys(data).length === 0 && !ctx.flags.bool('force')) {
      throw new UsageError('must supply data or use -force')
    }
    const envelope = await remote(`Error writing data to ${path}`, () => ctx.client().write(path, data))
    if (!envelope || (envelope.data == null && !envelope.auth && !envelope.wrap_info)) {
      if (envelope?.warnings?.length) printSecret(ctx, envelope)
      return ctx.format === 'table' && ctx.field === undefined ? success(ctx, `Data written to: ${path}`) : 0
    }
    return printSecret(ctx, envelope)
  },
}
