// DescribeParameters: metadata (never values) of the parameters matching the filters, a page at a time, in name order.
import type { SsmContext } from '../context.ts'
import { validationMessage } from '../errors.ts'
import { matchesAll, parseFilters, parseLegacyFilters } from '../filters.ts'
import { type Input, optBool, optInt } from '../input.ts'
import { latest, loadAllRecords } from '../model.ts'
import { decodeToken, encodeToken } from '../page-token.ts'
import { metadataOut } from '../shape.ts'

export async function describeParameters(ctx: SsmContext, input: Input): Promise<Record<string, unknown>> {
  const hasLegacy = input['Filters'] !== undefined && input['Filters'] !== null
  const hasNew = input['ParameterFilters'] !== undefined && input['ParameterFilters'] !== null
  if (hasLegacy && hasNew)
    throw validationMessage('You can use either Filters or ParameterFilters in a single request.')
  const filters = hasLegacy
    ? parseLegacyFilters(input['Filters'])
    : parseFilters(input['ParameterFilters'], 'describe')
  const max = optInt(input, 'MaxResults', 1, 50) ?? 50
  const after = decodeToken(input['NextToken'], 'describe')
  // Shared: true asks for the parameters other accounts share with this one (AWS RAM); none are, here. Answering
  // with this account's own parameters would list what the caller did not ask for.
  if (optBool(input, 'Shared') === true) return { Parameters: [] }
  const out: Record<string, unknown>[] = []
  let nextToken: string | undefined
  for (const record of await loadAllRecords(ctx.storage)) {
    if (typeof after === 'string' && record.name <= after) continue
    const version = latest(record)
    if (!matchesAll(filters, record, version)) continue
    if (out.length === max) {
      nextToken = encodeToken(String(out.at(-1)!['Name']), 'describe')
      break
    }
    out.push(metadataOut(ctx, record, version))
  }
  return { Parameters: out, ...(nextToken ? { NextToken: nextToken } : {}) }
}
