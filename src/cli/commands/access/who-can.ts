// `coffer access who-can PATH`: every capability on a path, the policy rule granting it and who holds it.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printStructured } from '../../output.ts'
import { renderWhoCan } from './render.ts'

export const accessWhoCanCommand: CommandSpec = {
  path: ['access', 'who-can'],
  usage: '[options] PATH',
  summary: 'Show who can do what on a path, and which rule grants it',
  help:
    'For each capability on PATH (create, read, update, delete, list, sudo, patch, deny), the policy rule that ' +
    'grants it as authorisation would pick it, and the token roles, entities, groups, auth method roles, users ' +
    'and access keys holding that policy. Holders for whom another rule wins (a deny, a more specific path) are ' +
    'listed as overridden. Needs sudo on sys/access/who-can.',
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const envelope = await remote('Error reading who can access the path', () =>
      ctx.client().write('sys/access/who-can', { path: ctx.args[0] }),
    )
    const data = (envelope?.data ?? {}) as Record<string, unknown>
    if (!printStructured(ctx, data)) ctx.out(renderWhoCan(data))
    return 0
  },
}
