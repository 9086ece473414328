// `coffer read PATH [K=V...]`: GET any API path, extra pairs sent as query parameters.
import type { CommandSpec } from '../context.ts'
import { CliError, remote } from '../context.ts'
import { parseQueryArgs } from '../kv-args.ts'
import { printSecret } from '../output.ts'

export const readCommand: CommandSpec = {
  path: ['read'],
  usage: '[options] PATH [K=V...]',
  summary: 'Read data from any path',
  output: true,
  minArgs: 1,
  async run(ctx) {
    const [path, ...rest] = ctx.args as [string, ...string[]]
    const query = parseQueryArgs(rest)
    const envelope = await remote(`Error reading ${path}`, () =>
      ctx.client().read(path, Object.keys(query).length > 0 ? query : undefined),
    )
    if (!envelope) throw new CliError(`No value found at ${path}`, 2)
    return printSecret(ctx, envelope)
  },
}
