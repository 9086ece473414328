// `coffer secrets tune PATH`: change a mount's TTLs, description, options or header lists.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { success } from '../../output.ts'
import { cleanMountPath, MOUNT_CONFIG_FLAGS, mountConfig } from '../mount-table.ts'

export const secretsTuneCommand: CommandSpec = {
  path: ['secrets', 'tune'],
  usage: '[options] PATH',
  summary: "Tune a secrets engine's configuration",
  flags: [
    { name: 'version', kind: 'int', usage: 'Set options.version (upgrading KV 1 to 2)' },
    { name: 'force-no-cache', kind: 'bool', usage: 'Disable caching for this mount' },
    ...MOUNT_CONFIG_FLAGS,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const path = cleanMountPath(ctx.args[0] as string)
    const body = mountConfig(ctx.flags)
    if (ctx.flags.has('description')) body['description'] = ctx.flags.string('description')
    const options = { ...ctx.flags.map('options') }
    if (ctx.flags.has('version')) options['version'] = String(ctx.flags.int('version'))
    if (Object.keys(options).length > 0) body['options'] = options
    if (Object.keys(body).length === 0) throw new UsageError('nothing to tune: give at least one option flag')
    await remote(`Error tuning secrets engine ${path}`, () =>
      ctx.client().write(`sys/mounts/${path}tune`, body),
    )
    return success(ctx, `Tuned the secrets engine at: ${path}`)
  },
}
