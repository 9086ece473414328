// `coffer token capabilities [TOKEN] PATH`: what a token may do on a path.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printStructured } from '../../output.ts'

export const tokenCapabilitiesCommand: CommandSpec = {
  path: ['token', 'capabilities'],
  usage: '[options] [TOKEN | ACCESSOR] PATH',
  summary: "List a token's capabilities on a path (our own token when only PATH is given)",
  flags: [{ name: 'accessor', kind: 'bool', usage: 'Treat the first argument as an accessor' }],
  output: true,
  minArgs: 1,
  maxArgs: 2,
  async run(ctx) {
    const client = ctx.client()
    const [first, second] = ctx.args as [string, string | undefined]
    const path = second ?? first
    const envelope = await remote('Error checking capabilities', () => {
      if (second === undefined) return client.write('sys/capabilities-self', { paths: [path] })
      if (ctx.flags.bool('accessor'))
        return client.write('sys/capabilities-accessor', { accessor: first, paths: [path] })
      return client.write('sys/capabilities', { token: first, paths: [path] })
    })
    const source = (envelope?.data ?? envelope ?? {}) as Record<string, unknown>
    const found = source[path] ?? source['capabilities'] ?? []
    const capabilities = (Array.isArray(found) ? found.map(String) : []).sort()
    if (printStructured(ctx, capabilities)) return 0
    ctx.out(capabilities.length > 0 ? capabilities.join(', ') : 'deny')
    return 0
  },
}
