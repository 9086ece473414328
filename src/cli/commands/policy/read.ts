// `coffer policy read NAME`: print a policy's text.
import type { CommandSpec } from '../../context.ts'
import { CliError, remote } from '../../context.ts'
import { printField, printStructured } from '../../output.ts'

export const policyReadCommand: CommandSpec = {
  path: ['policy', 'read'],
  usage: '[options] NAME',
  summary: 'Print an ACL policy',
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const name = (ctx.args[0] as string).toLowerCase()
    const envelope = await remote(`Error reading policy ${name}`, () =>
      ctx.client().read(`sys/policies/acl/${encodeURIComponent(name)}`),
    )
    if (!envelope) throw new CliError(`No policy named: ${name}`, 2)
    const data = (envelope.data ?? {}) as Record<string, unknown>
    const policy = String(data['policy'] ?? data['rules'] ?? '')
    const view = { name: data['name'] ?? name, policy }
    if (ctx.field !== undefined)
      return printField(ctx, (view as Record<string, unknown>)[ctx.field], ctx.field)
    // -format=json|yaml prints {"policy": ...} alone, as vault does.
    if (printStructured(ctx, { policy })) return 0
    ctx.stdout.write(policy.endsWith('\n') ? policy : `${policy}\n`)
    return 0
  },
}
