// `coffer kv metadata patch KEY`: change only the named metadata settings of a KV v2 secret (a merge patch).
import type { CommandSpec } from '../../../context.ts'
import { remote } from '../../../context.ts'
import { UsageError } from '../../../flags.ts'
import { kvApiPath, requireV2 } from '../../../kv-paths.ts'
import { success } from '../../../output.ts'
import { locate, METADATA_SETTING_FLAGS, MOUNT_FLAG, metadataSettings } from '../shared.ts'

export const kvMetadataPatchCommand: CommandSpec = {
  path: ['kv', 'metadata', 'patch'],
  usage: '[options] KEY',
  summary: 'Change some metadata of a KV v2 secret, leaving the rest as it is',
  flags: [
    MOUNT_FLAG,
    ...METADATA_SETTING_FLAGS,
    { name: 'custom-metadata', kind: 'map', usage: 'Custom metadata key=value to set; repeat for several' },
    {
      name: 'remove-custom-metadata',
      kind: 'list',
      usage: 'Custom metadata key to remove; repeat for several',
    },
  ],
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const body = metadataSettings(ctx)
    // In a merge patch a null removes the key; the set and removed keys travel in one custom_metadata object.
    const custom: Record<string, string | null> = { ...ctx.flags.map('custom-metadata') }
    for (const key of ctx.flags.list('remove-custom-metadata')) {
      if (key in custom)
        throw new UsageError(`custom metadata key ${JSON.stringify(key)} is both set and removed`)
      custom[key] = null
    }
    if (Object.keys(custom).length > 0) body['custom_metadata'] = custom
    if (Object.keys(body).length === 0)
      throw new UsageError('nothing to patch: give at least one metadata flag')
    const location = await locate(ctx)
    requireV2(location, 'kv metadata patch')
    const path = kvApiPath(location, 'metadata')
    await remote(`Error patching metadata at ${path}`, () => ctx.client().patch(path, body))
    return success(ctx, `Data written to: ${path}`)
  },
}
