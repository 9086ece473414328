// `coffer auth tune PATH`: change an auth method's TTLs, description, token type or header lists.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { success } from '../../output.ts'
import { cleanMountPath, MOUNT_CONFIG_FLAGS, mountConfig } from '../mount-table.ts'

export const authTuneCommand: CommandSpec = {
  path: ['auth', 'tune'],
  usage: '[options] PATH',
  summary: "Tune an auth method's configuration",
  help: 'PATH is the mount path without the auth/ prefix, e.g. userpass.',
  flags: [
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
    // Vault accepts the path with or without the auth/ prefix here; so do we.
    const path = cleanMountPath((ctx.args[0] as string).replace(/^\/*auth\//, ''))
    const body = mountConfig(ctx.flags)
    if (ctx.flags.has('description')) body['description'] = ctx.flags.string('description')
    if (ctx.flags.has('token-type')) body['token_type'] = ctx.flags.string('token-type')
    const options = ctx.flags.map('options')
    if (Object.keys(options).length > 0) body['options'] = options
    if (Object.keys(body).length === 0) throw new UsageError('nothing to tune: give at least one option flag')
    await remote(`Error tuning auth method ${path}`, () => ctx.client().write(`sys/auth/${path}tune`, body))
    return success(ctx, `Tuned the auth method at: ${path}`)
  },
}
