// `coffer audit enable TYPE [K=V...]`: enable an audit device; trailing pairs are its options, as in Vault.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { parseQueryArgs } from '../../kv-args.ts'
import { success } from '../../output.ts'
import { cleanMountPath } from '../mount-table.ts'

export const auditEnableCommand: CommandSpec = {
  path: ['audit', 'enable'],
  usage: '[options] TYPE [K=V...]',
  summary: 'Enable an audit device',
  help: [
    'TYPE is file, socket or stdout; the path defaults to TYPE. Device options follow as key=value:',
    '',
    '  coffer audit enable file file_path=/var/log/coffer/audit.log',
    '  coffer audit enable -path=net socket address=127.0.0.1:9090 socket_type=tcp',
  ].join('\n'),
  flags: [
    { name: 'path', kind: 'string', usage: 'Path of the device (default: TYPE)' },
    { name: 'description', kind: 'string', usage: 'Human-readable description of the device' },
    { name: 'local', kind: 'bool', usage: 'Do not replicate the device' },
  ],
  minArgs: 1,
  async run(ctx) {
    const [type, ...pairs] = ctx.args as [string, ...string[]]
    const options = parseQueryArgs(pairs)
    const path = cleanMountPath(ctx.flags.string('path') ?? type)
    await remote(`Error enabling audit device`, () =>
      ctx.client().write(`sys/audit/${path.slice(0, -1)}`, {
        type,
        description: ctx.flags.string('description') ?? '',
        options,
        local: ctx.flags.bool('local'),
      }),
    )
    return success(ctx, `Enabled the ${type} audit device at: ${path}`)
  },
}
