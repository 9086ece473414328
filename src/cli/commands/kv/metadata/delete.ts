// `coffer kv metadata delete KEY`: remove every version and the metadata of a KV v2 secret.
import type { CommandSpec } from '../../../context.ts'
import { remote } from '../../../context.ts'
import { kvApiPath, requireV2 } from '../../../kv-paths.ts'
import { success } from '../../../output.ts'
import { locate, MOUNT_FLAG } from '../shared.ts'

export const kvMetadataDeleteCommand: CommandSpec = {
  path: ['kv', 'metadata', 'delete'],
  usage: '[options] KEY',
  summary: 'Delete all versions and metadata of a KV v2 secret',
  flags: [MOUNT_FLAG],
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const location = await locate(ctx)
    requireV2(location, 'kv metadata delete')
    const path = kvApiPath(location, 'metadata')
    await remote(`Error deleting ${path}`, () => ctx.client().delete(path))
    return success(ctx, `Data deleted (if it existed) at: ${path}`)
  },
}
