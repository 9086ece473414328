// `coffer rotation cancel NAME`: CancelRotateSecret — no more scheduled rotations, a waiting retry dropped.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printData } from '../../output.ts'
import { MOUNT_FLAG, rotationPath } from './mount.ts'

export const rotationCancelCommand: CommandSpec = {
  path: ['rotation', 'cancel'],
  usage: '[options] NAME',
  summary: 'Stop a secret’s rotations',
  help:
    'Turns rotation off for a Secrets Manager secret (CancelRotateSecret) or a KV v2 secret (-mount=kv): no scheduled rotation runs and a ' +
    'retry waiting after a failure is dropped. AWSPENDING stays on its version (shown as version_id); remove ' +
    'it with UpdateSecretVersionStage before rotating again.',
  flags: [MOUNT_FLAG],
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const envelope = await remote('Error cancelling the rotation', () =>
      ctx.client().delete(rotationPath(ctx, ctx.args[0])),
    )
    return printData(ctx, (envelope?.data as Record<string, unknown> | undefined) ?? {})
  },
}
