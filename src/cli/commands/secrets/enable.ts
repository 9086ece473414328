// `coffer secrets enable TYPE`: mount a secrets engine.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { success } from '../../output.ts'
import { cleanMountPath, MOUNT_CONFIG_FLAGS, mountConfig } from '../mount-table.ts'

export const secretsEnableCommand: CommandSpec = {
  path: ['secrets', 'enable'],
  usage: '[options] TYPE',
  summary: 'Enable a secrets engine',
  help: 'The mount path defaults to TYPE. "kv-v2" and "-version=2" both give a versioned KV store.',
  flags: [
    { name: 'path', kind: 'string', usage: 'Mount path (default: TYPE)' },
    { name: 'version', kind: 'int', usage: 'Engine version; sets options.version (KV: 1 or 2)' },
    { name: 'force-no-cache', kind: 'bool', usage: 'Disable caching for this mount' },
    { name: 'local', kind: 'bool', usage: 'Do not replicate the mount' },
    { name: 'seal-wrap', kind: 'bool', usage: "Seal-wrap the mount's storage" },
    {
      name: 'external-entropy-access',
      kind: 'bool',
      usage: 'Give the engine access to the external entropy source',
    },
    {
      name: 'plugin-name',
      kind: 'string',
      usage: 'Engine to mount, in place of TYPE (Vault: a catalog plugin name)',
    },
    { name: 'plugin-version', kind: 'string', usage: 'Plugin version to pin, sent as plugin_version' },
    ...MOUNT_CONFIG_FLAGS,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    // As vault: -plugin-name replaces TYPE (`secrets enable -plugin-name=kv -path=x plugin`).
    const type = ctx.flags.string('plugin-name') || (ctx.args[0] as string)
    const path = cleanMountPath(ctx.flags.string('path') ?? type)
    const options = { ...ctx.flags.map('options') }
    if (ctx.flags.has('version')) options['version'] = String(ctx.flags.int('version'))
    const body: Record<string, unknown> = {
      type,
      description: ctx.flags.string('description') ?? '',
      config: mountConfig(ctx.flags),
      local: ctx.flags.bool('local'),
      seal_wrap: ctx.flags.bool('seal-wrap'),
    }
    if (ctx.flags.bool('external-entropy-access')) body['external_entropy_access'] = true
    if (ctx.flags.has('plugin-version')) body['plugin_version'] = ctx.flags.string('plugin-version')
    if (Object.keys(options).length > 0) body['options'] = options
    await remote(`Error enabling ${type}`, () => ctx.client().write(`sys/mounts/${path.slice(0, -1)}`, body))
    return success(ctx, `Enabled the ${type} secrets engine at: ${path}`)
  },
}
