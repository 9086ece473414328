// `coffer anomalies ack [-note=TEXT] ID`: acknowledge an access anomaly (once), with an optional note.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { success } from '../../output.ts'
import { anomalyId } from './show.ts'

export const anomaliesAckCommand: CommandSpec = {
  path: ['anomalies', 'ack'],
  usage: '[options] ID',
  summary: 'Acknowledge an access anomaly',
  help: 'An anomaly is acknowledged once; a second acknowledgement is refused and names who made the first.',
  flags: [{ name: 'note', kind: 'string', usage: 'Why it is acknowledged (kept with the anomaly)' }],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const id = anomalyId(ctx.args[0])
    const note = ctx.flags.string('note')
    await remote(`Error acknowledging anomaly ${id}`, () =>
      ctx.client().write(`sys/anomalies/${id}/ack`, note === undefined ? {} : { note }),
    )
    return success(ctx, `Acknowledged anomaly ${id}`)
  },
}
