// `coffer secrets move SOURCE DESTINATION`: move a secrets engine to a new path (its leases are revoked).
import type { CommandSpec } from '../../context.ts'
import { moveMount } from '../mount-move.ts'
import { cleanMountPath } from '../mount-table.ts'

export const secretsMoveCommand: CommandSpec = {
  path: ['secrets', 'move'],
  usage: '[options] SOURCE DESTINATION',
  summary: 'Move a secrets engine to a new path',
  help: [
    'Moves a secrets engine to a new path and waits until the move has finished. Its data and',
    'configuration move with it; every lease it issued is revoked, as in Vault. Policies naming',
    'the old path are not changed.',
    '',
    '  $ coffer secrets move secret/ generic/',
  ].join('\n'),
  minArgs: 2,
  maxArgs: 2,
  run: (ctx) =>
    moveMount(
      ctx,
      'secrets engine',
      cleanMountPath(ctx.args[0] as string),
      cleanMountPath(ctx.args[1] as string),
    ),
}
