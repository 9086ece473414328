// `coffer anomalies list [-unacknowledged] [-limit=N]`: access anomalies, newest first, one line each.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { renderColumns } from '../../format.ts'
import { printStructured } from '../../output.ts'
import { readAnomaly } from './show.ts'

export const anomaliesListCommand: CommandSpec = {
  path: ['anomalies', 'list'],
  usage: '[options]',
  summary: 'List access anomalies, newest first',
  help: 'Exits 2 when there is none, as list commands do.',
  flags: [
    { name: 'unacknowledged', kind: 'bool', usage: 'Only anomalies nobody has acknowledged yet' },
    { name: 'limit', kind: 'int', usage: 'Show at most this many (default 50)' },
  ],
  output: true,
  maxArgs: 0,
  async run(ctx) {
    const limit = ctx.flags.int('limit') ?? 50
    if (limit < 1) throw new UsageError('-limit must be at least 1')
    const query: Record<string, string> = ctx.flags.bool('unacknowledged')
      ? { list: 'true', acknowledged: 'false' }
      : { list: 'true' }
    const envelope = await remote('Error listing anomalies', () => ctx.client().read('sys/anomalies', query))
    const ids = ((envelope?.data?.['keys'] as string[] | undefined) ?? []).slice(0, limit)
    const anomalies = []
    for (const id of ids) anomalies.push(await readAnomaly(ctx, id))
    if (printStructured(ctx, anomalies)) return 0
    if (anomalies.length === 0) {
      ctx.out('No anomalies found.')
      return 2
    }
    const rows = anomalies.map((a) => {
      const identity = (a['identity'] ?? {}) as Record<string, unknown>
      return [
        String(a['time'] ?? '').replace(/\.\d+Z$/, 'Z'),
        String(a['id']),
        String(a['type']),
        String(a['score']),
        String(identity['display_name'] || identity['entity_id'] || 'n/a'),
        String(a['path']),
        a['acknowledged'] ? 'yes' : 'no',
      ]
    })
    ctx.out(renderColumns(['Time', 'ID', 'Type', 'Score', 'Identity', 'Path', 'Acknowledged'], rows))
    return 0
  },
}
