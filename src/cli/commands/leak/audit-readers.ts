// Who saw a leaked value: stream an audit log and keep the entries that hold its HMAC (as `audit search -value`).
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { CHECKPOINT_TYPE } from '../../../lib/audit-chain/format.ts'
import { entryMatcher, HMAC_PREFIX, type SearchFilter } from '../../audit-search.ts'
import { CliError, type CommandContext, remote } from '../../context.ts'

export interface AuditRow {
  time: string
  operation: string
  path: string
  displayName: string
  remoteAddress: string
}

/** The value as the named device hashes it (sys/audit-hash/<device>); the value itself only travels in the request. */
export async function auditHash(ctx: CommandContext, device: string, input: string): Promise<string> {
  const path = device.replace(/^\/+|\/+$/g, '')
  const envelope = await remote(`Error hashing with audit device ${path}`, () =>
    ctx.client().write(`sys/audit-hash/${path}`, { input }),
  )
  const hash = envelope?.data?.['hash']
  if (typeof hash !== 'string' || !hash.startsWith(HMAC_PREFIX))
    throw new CliError(`Error hashing with audit device ${path}: the server returned no hash`, 2)
  return hash
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** Entries matching `filter`, except those of the request ids in `exclude` (this command's own calls). */
export async function searchAuditLog(
  file: string,
  filter: SearchFilter,
  exclude: ReadonlySet<string>,
): Promise<AuditRow[]> {
  const matches = entryMatcher(filter)
  const rows: AuditRow[] = []
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue
      let entry: Record<string, unknown>
      try {
        entry = JSON.parse(line) as Record<string, unknown>
      } catch {
        continue
      }
      if (entry === null || typeof entry !== 'object' || entry['type'] === CHECKPOINT_TYPE) continue
      if (!matches(entry)) continue
      const request = (entry['request'] ?? {}) as Record<string, unknown>
      const auth = (entry['auth'] ?? {}) as Record<string, unknown>
      if (exclude.has(text(request['id']))) continue
      rows.push({
        time: text(entry['time']).replace(/(\.\d{3})\d+(?=Z$)/, '$1'),
        operation: text(request['operation']),
        path: text(request['path']),
        displayName: text(auth['display_name']),
        remoteAddress: text(request['remote_address']),
      })
    }
  } catch (error) {
    throw new CliError(
      `Error reading audit log ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      1,
    )
  }
  return rows
}
