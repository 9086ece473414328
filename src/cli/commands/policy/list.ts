// `coffer policy list`: names of all ACL policies, one per line.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printStructured } from '../../output.ts'

export const policyListCommand: CommandSpec = {
  path: ['policy', 'list'],
  usage: '[options]',
  summary: 'List ACL policies',
  output: true,
  maxArgs: 0,
  async run(ctx) {
    const keys = await remote('Error listing policies', () => ctx.client().list('sys/policies/acl'))
    if (printStructured(ctx, keys)) return 0
    for (const key of keys) ctx.out(key)
    return 0
  },
}
