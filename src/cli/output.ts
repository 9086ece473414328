// Printing helpers shared by commands: secrets, plain data, lists and -field values in the chosen format.
import type { SecretEnvelope } from '../client/index.ts'
import { CliError, type CommandContext } from './context.ts'
import {
  lookupField,
  rawField,
  renderColumns,
  renderKeyValueTable,
  renderStructured,
  secretRows,
} from './format.ts'
import { vaultEnvelope } from './vault-envelope.ts'

/** Print a -field value raw; a trailing newline only on a terminal so `$(coffer ... -field=x)` gets the exact bytes. */
export function printField(ctx: CommandContext, value: unknown, field: string): number {
  if (value === undefined) throw new CliError(`Field "${field}" not present in the response`, 1)
  // As vault: with -format=json|yaml the value is printed in that format (a string comes out quoted in JSON),
  // so `-format=json -field=data | jq` works; table format prints it raw.
  const text = ctx.format === 'table' ? rawField(value) : renderStructured(value, ctx.format)
  ctx.stdout.write(ctx.stdout.isTTY ? `${text}\n` : text)
  return 0
}

export function printWarnings(ctx: CommandContext, envelope: SecretEnvelope | undefined): void {
  const warnings = envelope?.warnings
  if (!Array.isArray(warnings) || warnings.length === 0) return
  ctx.err('WARNING! The server returned these warnings:\n')
  for (const warning of warnings) ctx.err(`  * ${warning}`)
  ctx.err('')
}

/** A response envelope: whole JSON/YAML, or a Key/Value table of lease, auth and data fields. */
export function printSecret(ctx: CommandContext, envelope: SecretEnvelope, data = envelope.data): number {
  if (ctx.field !== undefined) return printField(ctx, lookupField(envelope, ctx.field, data), ctx.field)
  if (ctx.format !== 'table') {
    ctx.out(renderStructured(vaultEnvelope(envelope), ctx.format))
    return 0
  }
  printWarnings(ctx, envelope)
  const rows = secretRows(envelope, data)
  if (rows.length > 0) ctx.out(renderKeyValueTable(rows))
  return 0
}

/** A bare object (sys endpoints without an envelope): JSON/YAML as is, or a sorted Key/Value table. */
export function printData(
  ctx: CommandContext,
  data: Record<string, unknown>,
  rows?: [string, unknown][],
): number {
  if (ctx.field !== undefined) return printField(ctx, data[ctx.field], ctx.field)
  if (ctx.format !== 'table') {
    ctx.out(renderStructured(data, ctx.format))
    return 0
  }
  const tableRows =
    rows ??
    Object.keys(data)
      .sort()
      .map((k): [string, unknown] => [k, data[k]])
  if (tableRows.length > 0) ctx.out(renderKeyValueTable(tableRows))
  return 0
}

/** List keys: a "Keys" column in table format, a JSON/YAML array otherwise. */
export function printKeys(ctx: CommandContext, keys: readonly string[]): number {
  if (ctx.format !== 'table') {
    ctx.out(renderStructured(keys, ctx.format))
    return 0
  }
  ctx.out(
    renderColumns(
      ['Keys'],
      keys.map((k) => [k]),
    ),
  )
  return 0
}

/** Structured output for -format=json|yaml; returns true when it printed (table callers continue). */
export function printStructured(ctx: CommandContext, value: unknown): boolean {
  if (ctx.format === 'table') return false
  ctx.out(renderStructured(value, ctx.format))
  return true
}

/** A "Success!" line, in table format only: as Vault, -format=json|yaml prints nothing when the server returned nothing. */
export function success(ctx: CommandContext, message: string): number {
  if (ctx.format === 'table') ctx.out(`Success! ${message}`)
  return 0
}
