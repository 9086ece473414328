// `coffer kv metadata get KEY`: a KV v2 key's metadata and the state of every version.
import type { CommandSpec } from '../../../context.ts'
import { CliError, remote } from '../../../context.ts'
import { dataRows, renderKeyValueTable, renderSection } from '../../../format.ts'
import { kvApiPath, requireV2 } from '../../../kv-paths.ts'
import { printSecret, printWarnings } from '../../../output.ts'
import { locate, MOUNT_FLAG } from '../shared.ts'

export const kvMetadataGetCommand: CommandSpec = {
  path: ['kv', 'metadata', 'get'],
  usage: '[options] KEY',
  summary: 'Show metadata and version history of a KV v2 secret',
  flags: [MOUNT_FLAG],
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const location = await locate(ctx)
    requireV2(location, 'kv metadata get')
    const path = kvApiPath(location, 'metadata')
    const envelope = await remote(`Error reading ${path}`, () => ctx.client().read(path))
    if (!envelope?.data) throw new CliError(`No value found at ${path}`, 2)
    if (ctx.field !== undefined || ctx.format !== 'table') return printSecret(ctx, envelope)
    printWarnings(ctx, envelope)
    const { versions, ...rest } = envelope.data as Record<string, unknown>
    ctx.out(`${renderSection('Metadata Path', path)}\n`)
    ctx.out(renderSection('Metadata', renderKeyValueTable(dataRows(rest))))
    const entries = Object.entries((versions ?? {}) as Record<string, Record<string, unknown>>).sort(
      ([a], [b]) => Number(b) - Number(a),
    )
    for (const [version, info] of entries) {
      const rows = dataRows(info).map(([k, v]): [string, unknown] => [
        k,
        k === 'deletion_time' && v === '' ? 'n/a' : v,
      ])
      ctx.out(`\n${renderSection(`Version ${version}`, renderKeyValueTable(rows))}`)
    }
    return 0
  },
}
