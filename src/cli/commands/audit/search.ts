// `coffer audit search FILE [filters]`: stream an audit log and print the entries that match, e.g. who read a value.
import { access } from 'node:fs/promises'
import { CHECKPOINT_TYPE } from '../../../lib/audit-chain/format.ts'
import { jsonLines } from '../../../lib/json-lines.ts'
import {
  entryMatcher,
  HMAC_PREFIX,
  parseTimeBound,
  SEARCH_COLUMNS,
  type SearchFilter,
  searchRow,
} from '../../audit-search.ts'
import { CliError, type CommandContext, type CommandSpec, remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { renderColumns, renderStructured } from '../../format.ts'

/** Exit status when the search ran but nothing matched, as grep does. */
const NO_MATCH_EXIT = 1

async function auditHash(ctx: CommandContext, device: string, input: string): Promise<string> {
  const path = device.replace(/^\/+|\/+$/g, '')
  const envelope = await remote(`Error hashing with audit device ${path}`, () =>
    ctx.client().write(`sys/audit-hash/${path}`, { input }),
  )
  const hash = envelope?.data?.['hash']
  if (typeof hash !== 'string' || !hash.startsWith(HMAC_PREFIX))
    throw new CliError(`Error hashing with audit device ${path}: the server returned no hash`, 2)
  return hash
}

/** Build the filter from the flags; values and accessors in clear are hashed by the named device. */
async function filterFromFlags(ctx: CommandContext, now: number): Promise<SearchFilter> {
  const flags = ctx.flags
  const filter: SearchFilter = {}
  const device = flags.string('device')
  for (const [flag, key] of [
    ['path-prefix', 'pathPrefix'],
    ['display-name', 'displayName'],
    ['entity-id', 'entityId'],
    ['operation', 'operation'],
  ] as const) {
    const value = flags.string(flag)
    if (value !== undefined) filter[key] = value
  }
  const type = flags.string('type')
  if (type !== undefined) {
    if (type !== 'request' && type !== 'response')
      throw new UsageError(`invalid -type ${JSON.stringify(type)}: use request or response`)
    filter.type = type
  }
  if (flags.bool('denied')) filter.denied = true
  const since = flags.string('since')
  const until = flags.string('until')
  if (since !== undefined) filter.since = parseTimeBound(since, '-since', now)
  if (until !== undefined) filter.until = parseTimeBound(until, '-until', now)
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until)
    throw new UsageError('-since is later than -until')

  const value = flags.string('value')
  if (value !== undefined) {
    if (value === '') throw new UsageError('-value needs a value')
    if (value.startsWith(HMAC_PREFIX)) filter.values = [value]
    else if (device === undefined)
      throw new UsageError(
        '-value needs -device=PATH: the value is hashed as that audit device hashes it (or give the hmac-sha256: form)',
      )
    // The clear form also matches, for devices with log_raw or keys excluded from hashing.
    else filter.values = [await auditHash(ctx, device, value), value]
  }
  const accessor = flags.string('accessor')
  if (accessor !== undefined) {
    if (accessor.startsWith(HMAC_PREFIX) || device === undefined) filter.accessors = [accessor]
    else filter.accessors = [accessor, await auditHash(ctx, device, accessor)]
  }
  return filter
}

export const auditSearchCommand: CommandSpec = {
  path: ['audit', 'search'],
  usage: '[options] FILE',
  summary: 'Find audit log entries by path, caller, time, denial or secret value',
  help: [
    'Reads FILE line by line (checkpoint lines are skipped) and prints the entries matching every filter.',
    '',
    '  coffer audit search -value=hunter2 -device=file /var/log/coffer/audit.log   # who read this value',
    '  coffer audit search -denied -since=24h audit.log',
    '',
    'Secret values and (unless hmac_accessor=false) accessors are HMAC’d in the log: -value and a clear',
    '-accessor are hashed through sys/audit-hash/<device>, so give -device with them.',
    '-format=json prints each matching log line as is (JSON lines).',
    '',
    'Exit status: 0 when something matched, 1 when nothing did (or on a usage or file error),',
    '2 when the server could not hash a value.',
  ].join('\n'),
  flags: [
    { name: 'path-prefix', kind: 'string', usage: 'Request path starts with this (e.g. secret/data/app)' },
    { name: 'display-name', kind: 'string', usage: 'Token display name equals this' },
    { name: 'entity-id', kind: 'string', usage: 'Entity ID equals this' },
    {
      name: 'accessor',
      kind: 'string',
      usage: 'Token accessor (clear, hashed through -device, or its hmac-sha256: form)',
    },
    { name: 'operation', kind: 'string', usage: 'Operation: read, create, update, delete, list…' },
    {
      name: 'since',
      kind: 'string',
      placeholder: 'time',
      usage: 'At or after this RFC 3339 time, or this long ago (24h)',
    },
    {
      name: 'until',
      kind: 'string',
      placeholder: 'time',
      usage: 'At or before this RFC 3339 time, or this long ago',
    },
    { name: 'denied', kind: 'bool', usage: 'Only entries whose error is permission denied' },
    { name: 'type', kind: 'string', usage: 'Only request or only response entries' },
    {
      name: 'value',
      kind: 'string',
      usage: 'A secret value in clear: entries whose request or response data hold its hash',
    },
    {
      name: 'device',
      kind: 'string',
      usage: 'The audit device that wrote FILE, for hashing -value/-accessor',
    },
    { name: 'format', kind: 'string', usage: 'Output format: table, json (JSON lines) or yaml' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const file = ctx.args[0] as string
    // Checked before any filter is hashed on the server, so a typo in FILE costs no round trip.
    await access(file).catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`Error reading audit log ${file}: ${error.code ?? error.message}`, 1)
    })
    const filter = await filterFromFlags(ctx, Date.now())
    const matches = entryMatcher(filter)
    const rows: string[][] = []
    const entries: unknown[] = []
    let found = 0
    let malformed = 0
    try {
      for await (const { text: line, object: record } of jsonLines(file)) {
        if (!record) {
          malformed++
          continue
        }
        if (record['type'] === CHECKPOINT_TYPE || !matches(record)) continue
        found++
        // JSON lines go out as they are found, so a large result never sits in memory.
        if (ctx.format === 'json') ctx.out(line)
        else if (ctx.format === 'yaml') entries.push(record)
        else rows.push(searchRow(record))
      }
    } catch (error) {
      throw new CliError(
        `Error reading audit log ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        1,
      )
    }
    if (malformed > 0) ctx.err(`Warning: ${malformed} line(s) were not JSON objects and were skipped.`)
    if (found === 0) {
      ctx.err('No matching audit entries.')
      if (filter.accessors?.length === 1 && !filter.accessors[0]!.startsWith(HMAC_PREFIX))
        ctx.err(
          'Accessors are HMAC’d unless the device has hmac_accessor=false: add -device=PATH to hash it.',
        )
      return NO_MATCH_EXIT
    }
    if (ctx.format === 'yaml') ctx.out(renderStructured(entries, 'yaml'))
    else if (ctx.format === 'table') ctx.out(renderColumns([...SEARCH_COLUMNS], rows))
    return 0
  },
}
