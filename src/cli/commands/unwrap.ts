// `coffer unwrap [TOKEN]`: read a wrapped response once; without TOKEN the current token is the wrapping token.
import type { CommandSpec } from '../context.ts'
import { remote } from '../context.ts'
import { printSecret } from '../output.ts'

export const unwrapCommand: CommandSpec = {
  path: ['unwrap'],
  usage: '[options] [TOKEN]',
  summary: 'Unwrap a wrapped secret',
  help: 'The wrapping token works once: after this the response it held is gone.',
  output: true,
  maxArgs: 1,
  async run(ctx) {
    const token = ctx.args[0]
    const envelope = await remote('Error unwrapping', () =>
      ctx.client().write('sys/wrapping/unwrap', token === undefined ? {} : { token }),
    )
    return printSecret(ctx, envelope ?? {})
  },
}
