// `coffer anomalies show ID`: one access anomaly, its explanation and acknowledgement.
import type { CommandContext, CommandSpec } from '../../context.ts'
import { CliError, remote } from '../../context.ts'
import { formatCell, renderKeyValueTable } from '../../format.ts'
import { printStructured } from '../../output.ts'

/** Anomaly ids are alphanumeric: anything else is refused before it becomes part of a request path. */
export function anomalyId(arg: string | undefined): string {
  if (arg === undefined || !/^[A-Za-z0-9]{1,64}$/.test(arg))
    throw new CliError(`Error: ${JSON.stringify(arg ?? '')} is not an anomaly id`, 1)
  return arg
}

/** The anomaly's fields, or exits 2 when there is none with this id. */
export async function readAnomaly(ctx: CommandContext, id: string): Promise<Record<string, unknown>> {
  const envelope = await remote(`Error reading anomaly ${id}`, () => ctx.client().read(`sys/anomalies/${id}`))
  if (!envelope?.data) throw new CliError(`No anomaly with id ${id}`, 2)
  return envelope.data as Record<string, unknown>
}

export function anomalyRows(a: Record<string, unknown>): [string, unknown][] {
  const identity = (a['identity'] ?? {}) as Record<string, unknown>
  const rows: [string, unknown][] = [
    ['id', a['id']],
    ['type', a['type']],
    ['score', a['score']],
    ['time', a['time']],
    ['explanation', a['explanation']],
    ['display_name', identity['display_name']],
    ['entity_id', identity['entity_id'] || 'n/a'],
    ['auth_method', identity['auth_method']],
  ]
  if (identity['role']) rows.push(['role', identity['role']])
  if (identity['access_key_id']) rows.push(['access_key_id', identity['access_key_id']])
  rows.push(
    ['path', a['path']],
    ['remote_address', a['remote_address'] || 'n/a'],
    ['acknowledged', a['acknowledged']],
  )
  if (a['acknowledged'])
    rows.push(
      ['acknowledged_by', a['acknowledged_by']],
      ['acknowledged_at', a['acknowledged_at']],
      ['note', a['note'] ?? 'n/a'],
    )
  return rows.map(([k, v]) => [k, formatCell(v)])
}

export const anomaliesShowCommand: CommandSpec = {
  path: ['anomalies', 'show'],
  usage: '[options] ID',
  summary: 'Show an access anomaly: its type, score, explanation, identity and acknowledgement',
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const anomaly = await readAnomaly(ctx, anomalyId(ctx.args[0]))
    if (printStructured(ctx, anomaly)) return 0
    ctx.out(renderKeyValueTable(anomalyRows(anomaly)))
    return 0
  },
}
