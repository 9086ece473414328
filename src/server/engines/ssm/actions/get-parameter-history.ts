// GetParameterHistory: every kept version of a parameter, oldest first, with labels, a page at a time.
import { parseParameterRef } from '../../../../sdk/aws-ssm-routes.ts'
import type { SsmContext } from '../context.ts'
import { parameterNotFound } from '../errors.ts'
import { type Input, optBool, optInt, reqString } from '../input.ts'
import { loadRecord } from '../model.ts'
import { decodeToken, encodeToken } from '../page-token.ts'
import { historyOut } from '../shape.ts'

async function sequential<T, R>(items: T[], each: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = []
  for (const item of items) out.push(await each(item))
  return out
}

export async function getParameterHistory(ctx: SsmContext, input: Input): Promise<Record<string, unknown>> {
  const ref = reqString(input, 'Name', { min: 1, max: 2048 })
  const withDecryption = optBool(input, 'WithDecryption') ?? false
  const max = optInt(input, 'MaxResults', 1, 50) ?? 50
  const { name } = parseParameterRef(ref)
  const scope = `history:${name}`
  const after = decodeToken(input['NextToken'], scope)
  const record = await loadRecord(ctx.storage, name)
  if (!record) throw parameterNotFound(ref)
  const versions = record.versions.filter((v) => typeof after !== 'number' || v.version > after)
  const page = versions.slice(0, max)
  const more = versions.length > max
  return {
    // One at a time: each SecureString under a customer key is a kms:Decrypt of its own.
    Parameters: await sequential(page, (v) => historyOut(ctx, record, v, withDecryption)),
    ...(more ? { NextToken: encodeToken(page.at(-1)!.version, scope) } : {}),
  }
}
