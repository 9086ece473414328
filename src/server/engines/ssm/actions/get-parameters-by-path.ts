// GetParametersByPath: the parameters in (or, Recursive, below) a hierarchy, a page at a time, in name order.
import { fillPathPage, type OneCall } from '../../../../sdk/aws-ssm-fanout.ts'
import type { SsmContext } from '../context.ts'
import { validationMessage } from '../errors.ts'
import { inPath, matchesAll, parseFilters } from '../filters.ts'
import { type Input, optBool, optInt, reqString } from '../input.ts'
import { latest, loadAllRecords } from '../model.ts'
import { checkName } from '../names.ts'
import { decodeToken, encodeToken } from '../page-token.ts'
import { getParameter } from './get-parameter.ts'

export interface PathPage {
  /** Each parameter with the version to answer (the labelled one under a Label filter, else the latest). */
  entries: { name: string; version: number }[]
  nextToken?: string
}

/** The page's names and versions, without values: what a `list` on the hierarchy's folder may see. */
export async function pageByPath(ctx: SsmContext, input: Input): Promise<PathPage> {
  const path = reqString(input, 'Path', { min: 1, max: 2048 })
  if (!path.startsWith('/'))
    throw validationMessage(
      'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".',
    )
  if (path !== '/') checkName(path.replace(/\/+$/, ''), 'path')
  const recursive = optBool(input, 'Recursive') ?? false
  optBool(input, 'WithDecryption')
  const filters = parseFilters(input['ParameterFilters'], 'path')
  const max = optInt(input, 'MaxResults', 1, 10) ?? 10
  const scope = `path:${path}:${recursive}`
  const after = decodeToken(input['NextToken'], scope)
  const labelFilter = filters.find((f) => f.key === 'Label')
  const entries: PathPage['entries'] = []
  let nextToken: string | undefined
  for (const record of await loadAllRecords(ctx.storage)) {
    if (typeof after === 'string' && record.name <= after) continue
    if (!inPath(record.name, path, recursive)) continue
    const version = labelFilter
      ? record.versions.find((v) => labelFilter.values.some((l) => v.labels.includes(l)))
      : latest(record)
    if (!version || !matchesAll(filters, record, version)) continue
    if (entries.length === max) {
      nextToken = encodeToken(entries.at(-1)!.name, scope)
      break
    }
    entries.push({ name: record.name, version: version.version })
  }
  return { entries, ...(nextToken ? { nextToken } : {}) }
}

/** The page, then each value read as a GetParameter of the listed version (the adapter authorises each). */
export async function getParametersByPath(
  ctx: SsmContext,
  input: Input,
  getOne: OneCall = (one) => getParameter(ctx, one),
): Promise<Record<string, unknown>> {
  return fillPathPage(
    pageOutput(await pageByPath(ctx, input)),
    optBool(input, 'WithDecryption') ?? false,
    getOne,
  )
}

/** The page as the engine answers GetParametersByPath's own `list` request: names and versions, no values. */
export function pageOutput(page: PathPage): Record<string, unknown> {
  return {
    Parameters: page.entries.map((e) => ({ Name: e.name, Version: e.version })),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  }
}
