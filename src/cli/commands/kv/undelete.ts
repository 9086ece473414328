// `coffer kv undelete -versions=N KEY`: restore soft-deleted KV v2 versions.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { kvApiPath, requireV2 } from '../../kv-paths.ts'
import { success } from '../../output.ts'
import { locate, MOUNT_FLAG, parseVersions, VERSIONS_FLAG } from './shared.ts'

export const kvUndeleteCommand: CommandSpec = {
  path: ['kv', 'undelete'],
  usage: '[options] -versions=N[,M] KEY',
  summary: 'Restore deleted versions of a KV v2 secret',
  flags: [MOUNT_FLAG, VERSIONS_FLAG],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const versions = parseVersions(ctx, true)
    const location = await locate(ctx)
    requireV2(location, 'kv undelete')
    const path = kvApiPath(location, 'undelete')
    await remote(`Error writing data to ${path}`, () => ctx.client().write(path, { versions }))
    return success(ctx, `Data written to: ${path}`)
  },
}
