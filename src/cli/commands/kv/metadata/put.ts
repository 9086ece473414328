// `coffer kv metadata put KEY`: set max versions, CAS requirement, auto-delete and custom metadata.
import type { CommandSpec } from '../../../context.ts'
import { remote } from '../../../context.ts'
import { kvApiPath, requireV2 } from '../../../kv-paths.ts'
import { success } from '../../../output.ts'
import { locate, METADATA_SETTING_FLAGS, MOUNT_FLAG, metadataSettings } from '../shared.ts'

export const kvMetadataPutCommand: CommandSpec = {
  path: ['kv', 'metadata', 'put'],
  usage: '[options] KEY',
  summary: 'Create or update the metadata of a KV v2 secret (no new version)',
  flags: [
    MOUNT_FLAG,
    ...METADATA_SETTING_FLAGS,
    { name: 'custom-metadata', kind: 'map', usage: 'Custom metadata key=value; repeat for several' },
  ],
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const location = await locate(ctx)
    requireV2(location, 'kv metadata put')
    const body = metadataSettings(ctx)
    if (ctx.flags.has('custom-metadata')) body['custom_metadata'] = ctx.flags.map('custom-metadata')
    const path = kvApiPath(location, 'metadata')
    await remote(`Error writing data to ${path}`, () => ctx.client().write(path, body))
    return success(ctx, `Data written to: ${path}`)
  },
}
