// `coffer kv metadata put KEY`: set max versions, CAS requirement, auto-delete and custom metadata.
import type { CommandSpec } from '../../../context.ts'
import { remote } from '../../../context.ts'
import { kvApiPath, requireV2 } from '../../../kv-paths.ts'
import { success } from '../../../output.ts'
import { locate, MOUNT_FLAG } from '../shared.ts'

export const kvMetadataPutCommand: CommandSpec = {
  path: ['kv', 'metadata', 'put'],
  usage: '[options] KEY',
  summary: 'Create or update the metadata of a KV v2 secret (no new version)',
  flags: [
    MOUNT_FLAG,
    { name: 'max-versions', kind: 'int', usage: 'Versions to keep (0 = the mount default)' },
    { name: 'cas-required', kind: 'bool', usage: 'Require -cas on every write to this key' },
    {
      name: 'delete-version-after',
      kind: 'duration',
      usage: 'Soft-delete versions this long after writing (0s = never)',
    },
    { name: 'custom-metadata', kind: 'map', usage: 'Custom metadata key=value; repeat for several' },
  ],
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const location = await locate(ctx)
    requireV2(location, 'kv metadata put')
    const body: Record<string, unknown> = {}
    if (ctx.flags.has('max-versions')) body['max_versions'] = ctx.flags.int('max-versions')
    if (ctx.flags.has('cas-required')) body['cas_required'] = ctx.flags.bool('cas-required')
    if (ctx.flags.has('delete-version-after'))
      body['delete_version_after'] = ctx.flags.string('delete-version-after')
    if (ctx.flags.has('custom-metadata')) body['custom_metadata'] = ctx.flags.map('custom-metadata')
    const path = kvApiPath(location, 'metadata')
    await remote(`Error writing data to ${path}`, () => ctx.client().write(path, body))
    return success(ctx, `Data written to: ${path}`)
  },
}
