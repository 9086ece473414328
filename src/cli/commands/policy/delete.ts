// `coffer policy delete NAME`: remove an ACL policy (tokens keep the name but it grants nothing).
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { success } from '../../output.ts'

export const policyDeleteCommand: CommandSpec = {
  path: ['policy', 'delete'],
  usage: '[options] NAME',
  summary: 'Delete an ACL policy',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const name = (ctx.args[0] as string).toLowerCase()
    await remote(`Error deleting ${name}`, () =>
      ctx.client().delete(`sys/policies/acl/${encodeURIComponent(name)}`),
    )
    return success(ctx, `Deleted policy: ${name}`)
  },
}
