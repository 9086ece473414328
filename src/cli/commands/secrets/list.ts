// `coffer secrets list`: the mounted secrets engines.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { mountEntries, printMountTable } from '../mount-table.ts'

export const secretsListCommand: CommandSpec = {
  path: ['secrets', 'list'],
  usage: '[options]',
  summary: 'List enabled secrets engines',
  flags: [{ name: 'detailed', kind: 'bool', usage: 'Show TTLs, options, replication and UUIDs' }],
  output: true,
  maxArgs: 0,
  async run(ctx) {
    const envelope = await remote('Error listing secrets engines', () => ctx.client().read('sys/mounts'))
    return printMountTable(ctx, mountEntries(envelope), ctx.flags.bool('detailed'))
  },
}
