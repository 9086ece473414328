// `coffer access unused`: policy grants no allowed request in the server's file audit logs exercised lately.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printStructured } from '../../output.ts'
import { renderUnused } from './render.ts'

export const accessUnusedCommand: CommandSpec = {
  path: ['access', 'unused'],
  usage: '[options]',
  summary: 'List policy grants never exercised in the audit log',
  help:
    'The server reads the log files of its enabled file audit devices from -since on and, for every allowed ' +
    'request, works out which rule of which policy granted it; every (policy, rule, capability) never used is ' +
    'listed, with the number of entries scanned. sudo is not counted (a request does not show it was needed). ' +
    'Needs sudo on sys/access/unused.',
  flags: [
    {
      name: 'since',
      kind: 'string',
      usage: 'Start of the window: a duration before now (90d, 24h) or an RFC 3339 time (default 90d)',
    },
  ],
  output: true,
  maxArgs: 0,
  async run(ctx) {
    const since = ctx.flags.string('since')
    const envelope = await remote('Error reading unused grants', () =>
      ctx.client().write('sys/access/unused', since === undefined ? {} : { since }),
    )
    const data = (envelope?.data ?? {}) as Record<string, unknown>
    if (!printStructured(ctx, data)) ctx.out(renderUnused(data))
    return 0
  },
}
