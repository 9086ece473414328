// `coffer kv delete KEY`: soft-delete the latest version (or -versions) on v2; remove the key on v1.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { kvApiPath } from '../../kv-paths.ts'
import { success } from '../../output.ts'
import { locate, MOUNT_FLAG, parseVersions, VERSIONS_FLAG } from './shared.ts'

export const kvDeleteCommand: CommandSpec = {
  path: ['kv', 'delete'],
  usage: '[options] KEY',
  summary: 'Delete a secret (KV v2: soft delete, undoable with kv undelete)',
  flags: [MOUNT_FLAG, VERSIONS_FLAG],
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const versions = parseVersions(ctx, false)
    const location = await locate(ctx)
    const client = ctx.client()
    if (location.version === 1) {
      if (versions.length > 0) throw new UsageError('-versions needs a KV version 2 mount')
      const path = kvApiPath(location, 'data')
      await remote(`Error deleting ${path}`, () => client.delete(path))
      return success(ctx, `Data deleted (if it existed) at: ${path}`)
    }
    if (versions.length > 0) {
      const path = kvApiPath(location, 'delete')
      await remote(`Error deleting ${path}`, () => client.write(path, { versions }))
      return success(ctx, `Data deleted (if it existed) at: ${path}`)
    }
    const path = kvApiPath(location, 'data')
    await remote(`Error deleting ${path}`, () => client.delete(path))
    return success(ctx, `Data deleted (if it existed) at: ${path}`)
  },
}
