// `coffer rotation list`: the secrets of a Secrets Manager mount that have a rotation function configured.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printKeys } from '../../output.ts'
import { MOUNT_FLAG, rotationPath } from './mount.ts'

export const rotationListCommand: CommandSpec = {
  path: ['rotation', 'list'],
  usage: '[options]',
  summary: 'List the secrets that rotate',
  help: 'Lists the Secrets Manager (or, with -mount, KV v2) secrets with a rotation function configured (LIST <mount>/rotation/).',
  flags: [MOUNT_FLAG],
  output: true,
  maxArgs: 0,
  async run(ctx) {
    const keys = await remote('Error listing rotations', () => ctx.client().list(rotationPath(ctx)))
    return printKeys(ctx, keys)
  },
}
