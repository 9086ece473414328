// `coffer rotation run NAME`: RotateSecret now, with the stored or the given function and schedule.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { printData } from '../../output.ts'
import { MOUNT_FLAG, rotationPath } from './mount.ts'

export const rotationRunCommand: CommandSpec = {
  path: ['rotation', 'run'],
  usage: '[options] NAME',
  summary: 'Rotate a secret now (and set its rotation)',
  help:
    'Starts a rotation of a Secrets Manager secret now (RotateSecret), or of a KV v2 secret with -mount=<kv mount> (-function names the function). With -function and a schedule flag it ' +
    'also sets the rotation; -schedule-only stores them without rotating. The steps run in the background: ' +
    'follow them with `coffer rotation status NAME`.',
  flags: [
    MOUNT_FLAG,
    {
      name: 'function',
      kind: 'string',
      usage: 'RotationLambdaARN: arn:aws:lambda:<region>:<account>:function:<name>',
    },
    { name: 'after-days', kind: 'int', usage: 'AutomaticallyAfterDays (1-1000)' },
    { name: 'schedule', kind: 'string', usage: 'ScheduleExpression: rate(N hours|days) or cron(...) in UTC' },
    { name: 'window', kind: 'string', usage: 'Duration of the rotation window, 1h to 24h' },
    { name: 'schedule-only', kind: 'bool', usage: 'Store the configuration without rotating now' },
  ],
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const body: Record<string, unknown> = {}
    const fn = ctx.flags.string('function')
    const days = ctx.flags.int('after-days')
    const schedule = ctx.flags.string('schedule')
    const window = ctx.flags.string('window')
    if (fn !== undefined) body['rotation_lambda_arn'] = fn
    if (days !== undefined) body['automatically_after_days'] = days
    if (schedule !== undefined) body['schedule_expression'] = schedule
    if (window !== undefined) body['duration'] = window
    if (ctx.flags.bool('schedule-only')) body['rotate_immediately'] = false
    const envelope = await remote('Error starting the rotation', () =>
      ctx.client().write(rotationPath(ctx, ctx.args[0]), body),
    )
    return printData(ctx, (envelope?.data as Record<string, unknown> | undefined) ?? {})
  },
}
