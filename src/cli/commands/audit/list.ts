// `coffer audit list [-detailed]`: the enabled audit devices, in Vault's table layout.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { formatCell, renderColumns } from '../../format.ts'
import { printStructured } from '../../output.ts'
import { mountEntries } from '../mount-table.ts'

export const auditListCommand: CommandSpec = {
  path: ['audit', 'list'],
  usage: '[options]',
  summary: 'List enabled audit devices',
  help: 'Exits 2 when no device is enabled, as Vault does.',
  flags: [{ name: 'detailed', kind: 'bool', usage: 'Show replication and device options' }],
  output: true,
  maxArgs: 0,
  async run(ctx) {
    const envelope = await remote('Error listing audit devices', () => ctx.client().read('sys/audit'))
    // sys/audit has the mount table's shape: entries keyed by "path/", repeated at the top level.
    const devices = mountEntries(envelope)
    if (printStructured(ctx, Object.fromEntries(devices))) return 0
    if (devices.length === 0) {
      ctx.out('No audit devices are enabled.')
      return 2
    }
    const detailed = ctx.flags.bool('detailed')
    const header = detailed
      ? ['Path', 'Type', 'Description', 'Replication', 'Options']
      : ['Path', 'Type', 'Description']
    const rows = devices.map(([path, d]) => {
      const row = [path, d.type ?? '', d.description || 'n/a']
      if (detailed) row.push(d.local ? 'local' : 'replicated', formatCell(d.options ?? {}))
      return row
    })
    ctx.out(renderColumns(header, rows))
    return 0
  },
}
