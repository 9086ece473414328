// `coffer kv rollback -version=N KEY`: write version N's data again as the newest version (with CAS).
import type { CommandSpec } from '../../context.ts'
import { CliError, remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { kvApiPath, requireV2 } from '../../kv-paths.ts'
import { locate, MOUNT_FLAG, printV2Write } from './shared.ts'

export const kvRollbackCommand: CommandSpec = {
  path: ['kv', 'rollback'],
  usage: '[options] -version=N KEY',
  summary: 'Restore an earlier version of a KV v2 secret as a new version',
  flags: [MOUNT_FLAG, { name: 'version', kind: 'int', usage: 'Version to roll back to (required)' }],
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const target = ctx.flags.int('version')
    if (target === undefined || target < 1) throw new UsageError('-version=N is required (N >= 1)')
    const location = await locate(ctx)
    requireV2(location, 'kv rollback')
    const client = ctx.client()
    const metaPath = kvApiPath(location, 'metadata')
    const dataPath = kvApiPath(location, 'data')
    const meta = await remote(`Error reading ${metaPath}`, () => client.read(metaPath))
    if (!meta?.data) throw new CliError(`No value found at ${metaPath}`, 2)
    const currentVersion = Number(meta.data['current_version'] ?? 0)
    const info = meta.data['versions']?.[String(target)] as Record<string, unknown> | undefined
    if (!info) throw new CliError(`Version ${target} of ${dataPath} does not exist`, 1)
    if (info['destroyed'])
      throw new CliError(`Version ${target} of ${dataPath} is destroyed; it cannot be restored`, 1)
    if (info['deletion_time']) {
      throw new CliError(`Version ${target} of ${dataPath} is deleted; run kv undelete first`, 1)
    }
    const old = await remote(`Error reading ${dataPath}`, () =>
      client.read(dataPath, { version: String(target) }),
    )
    const data = old?.data?.['data']
    if (data === null || data === undefined)
      throw new CliError(`No data in version ${target} of ${dataPath}`, 2)
    // CAS on the version we just looked at: if someone wrote in between, fail instead of overwriting it.
    const envelope = await remote(`Error writing data to ${dataPath}`, () =>
      client.write(dataPath, { data, options: { cas: currentVersion } }),
    )
    return printV2Write(ctx, dataPath, envelope)
  },
}
