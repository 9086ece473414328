// `coffer auth move SOURCE DESTINATION`: move an auth method to a new path (the tokens it issued are revoked).
import type { CommandSpec } from '../../context.ts'
import { moveMount } from '../mount-move.ts'
import { cleanMountPath } from '../mount-table.ts'

/**
 * Vault's `auth move` wants both paths spelled with `auth/` (hashicorp/vault#20844); like OpenBao's, this adds it
 * when missing, as `auth disable` and `auth enable` take the bare path. Coffer has no namespaces to make it ambiguous.
 */
function authPath(raw: string): string {
  const path = cleanMountPath(raw)
  return path.startsWith('auth/') ? path : `auth/${path}`
}

export const authMoveCommand: CommandSpec = {
  path: ['auth', 'move'],
  usage: '[options] SOURCE DESTINATION',
  summary: 'Move an auth method to a new path',
  help: [
    'Moves an auth method to a new path and waits until the move has finished. Its users, roles',
    'and configuration move with it, and logins keep their entities; every token it issued is',
    'revoked, as in Vault. The paths may be given with or without auth/.',
    '',
    '  $ coffer auth move approle/ ci-approle/',
  ].join('\n'),
  minArgs: 2,
  maxArgs: 2,
  run: (ctx) =>
    moveMount(ctx, 'auth method', authPath(ctx.args[0] as string), authPath(ctx.args[1] as string)),
}
