// `coffer kv destroy -versions=N KEY`: permanently erase KV v2 versions' data.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { kvApiPath, requireV2 } from '../../kv-paths.ts'
import { success } from '../../output.ts'
import { locate, MOUNT_FLAG, parseVersions, VERSIONS_FLAG } from './shared.ts'

export const kvDestroyCommand: CommandSpec = {
  path: ['kv', 'destroy'],
  usage: '[options] -versions=N[,M] KEY',
  summary: 'Permanently destroy versions of a KV v2 secret',
  flags: [MOUNT_FLAG, VERSIONS_FLAG],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const versions = parseVersions(ctx, true)
    const location = await locate(ctx)
    requireV2(location, 'kv destroy')
    const path = kvApiPath(location, 'destroy')
    await remote(`Error writing data to ${path}`, () => ctx.client().write(path, { versions }))
    return success(ctx, `Data written to: ${path}`)
  },
}
