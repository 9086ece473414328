// `coffer delete PATH [K=V...]`: DELETE any path, extra pairs as query parameters.
import type { CommandSpec } from '../context.ts'
import { remote } from '../context.ts'
import { parseQueryArgs } from '../kv-args.ts'
import { success } from '../output.ts'

export const deleteCommand: CommandSpec = {
  path: ['delete'],
  usage: '[options] PATH [K=V...]',
  summary: 'Delete data at any path',
  output: true,
  minArgs: 1,
  async run(ctx) {
    const [path, ...rest] = ctx.args as [string, ...string[]]
    const query = parseQueryArgs(rest)
    await remote(`Error deleting ${path}`, () =>
      ctx.client().delete(path, Object.keys(query).length > 0 ? query : undefined),
    )
    return success(ctx, `Data deleted (if it existed) at: ${path}`)
  },
}
