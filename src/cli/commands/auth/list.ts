// `coffer auth list`: the mounted auth methods.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { mountEntries, printMountTable } from '../mount-table.ts'

export const authListCommand: CommandSpec = {
  path: ['auth', 'list'],
  usage: '[options]',
  summary: 'List enabled auth methods',
  flags: [{ name: 'detailed', kind: 'bool', usage: 'Show TTLs, options, replication and UUIDs' }],
  output: true,
  maxArgs: 0,
  async run(ctx) {
    const envelope = await remote('Error listing auth methods', () => ctx.client().read('sys/auth'))
    return printMountTable(ctx, mountEntries(envelope), ctx.flags.bool('detailed'))
  },
}
