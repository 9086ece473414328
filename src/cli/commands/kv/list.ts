// `coffer kv list PATH`: keys under a KV path (v2 lists metadata/).
import type { CommandSpec } from '../../context.ts'
import { CliError, remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { kvApiPath } from '../../kv-paths.ts'
import { printKeys } from '../../output.ts'
import { locate, MOUNT_FLAG } from './shared.ts'

export const kvListCommand: CommandSpec = {
  path: ['kv', 'list'],
  usage: '[options] PATH | -mount=MOUNT [PATH]',
  summary: 'List keys in the KV store',
  flags: [MOUNT_FLAG],
  output: true,
  maxArgs: 1,
  async run(ctx) {
    // As vault: with -mount the path may be left out to list the mount's top level.
    const mount = ctx.flags.string('mount')
    if (ctx.args.length === 0 && (mount === undefined || mount === ''))
      throw new UsageError('not enough arguments (expected 1, got 0)')
    const location = await locate(ctx)
    const path = kvApiPath(location, 'metadata')
    const keys = await remote(`Error listing ${path}`, () => ctx.client().list(path))
    if (keys.length === 0) throw new CliError(`No value found at ${path}/`, 2)
    return printKeys(ctx, keys)
  },
}
