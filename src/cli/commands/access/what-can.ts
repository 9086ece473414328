// `coffer access what-can IDENTITY`: what the policies of an entity, group, token, role, user or key grant.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printStructured } from '../../output.ts'
import { renderWhatCan } from './render.ts'

export const accessWhatCanCommand: CommandSpec = {
  path: ['access', 'what-can'],
  usage: '[options] IDENTITY',
  summary: 'Show what an identity’s policies grant',
  help:
    'IDENTITY is an entity or group ID or name, a token accessor, an auth method role or user (web, or ' +
    'approle/web to name the mount), or an access key ID. Every match is shown with its policies (and where ' +
    'they come from), and the paths and capabilities they grant; -format=json adds each rule as written. ' +
    'Needs sudo on sys/access/what-can.',
  flags: [
    {
      name: 'type',
      kind: 'string',
      usage: 'Only match this kind: entity, group, token, token_role, approle, userpass, access_key, ...',
    },
  ],
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const body: Record<string, unknown> = { identity: ctx.args[0] }
    const type = ctx.flags.string('type')
    if (type !== undefined) body['type'] = type
    const envelope = await remote('Error reading what the identity can access', () =>
      ctx.client().write('sys/access/what-can', body),
    )
    const data = (envelope?.data ?? {}) as Record<string, unknown>
    if (!printStructured(ctx, data)) ctx.out(renderWhatCan(data))
    return 0
  },
}
