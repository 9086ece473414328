// `coffer auth enable TYPE`: mount an auth method.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { success } from '../../output.ts'
import { cleanMountPath, MOUNT_CONFIG_FLAGS, mountConfig } from '../mount-table.ts'

export const authEnableCommand: CommandSpec = {
  path: ['auth', 'enable'],
  usage: '[options] TYPE',
  summary: 'Enable an auth method',
  help: 'The mount path defaults to TYPE; logins then go to auth/<path>/login.',
  flags: [
    { name: 'path', kind: 'string', usage: 'Mount path under auth/ (default: TYPE)' },
    { name: 'local', kind: 'bool', usage: 'Do not replicate the mount' },
    { name: 'seal-wrap', kind: 'bool', usage: "Seal-wrap the mount's storage" },
    {
      name: 'token-type',
      kind: 'string',
      usage: 'Token type for logins: service, batch, default-service, default-batch',
    },
    ...MOUNT_CONFIG_FLAGS,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const type = ctx.args[0] as string
    const path = cleanMountPath(ctx.flags.string('path') ?? type)
    const config = mountConfig(ctx.flags)
    if (ctx.flags.has('token-type')) config['token_type'] = ctx.flags.string('token-type')
    const body: Record<string, unknown> = {
      type,
      description: ctx.flags.string('description') ?? '',
      config,
      local: ctx.flags.bool('local'),
      seal_wrap: ctx.flags.bool('seal-wrap'),
    }
    const options = ctx.flags.map('options')
    if (Object.keys(options).length > 0) body['options'] = options
    await remote(`Error enabling ${type} auth`, () =>
      ctx.client().write(`sys/auth/${path.slice(0, -1)}`, body),
    )
    return success(ctx, `Enabled ${type} auth method at: ${path}`)
  },
}
