// The -mount flag the rotation commands share: which Secrets Manager (or KV v2) mount the secret lives on.
import type { CommandContext } from '../../context.ts'
import type { FlagSpec } from '../../flags.ts'

export const MOUNT_FLAG: FlagSpec = {
  name: 'mount',
  kind: 'string',
  usage: 'The Secrets Manager mount, or a KV v2 mount (default "secretsmanager")',
}

/** `rotation/` under the chosen mount, with `name` after it. */
export function rotationPath(ctx: CommandContext, name = ''): string {
  const mount = (ctx.flags.string('mount') ?? 'secretsmanager').replace(/^\/+|\/+$/g, '')
  return `${mount}/rotation/${name}`
}
