// DeleteParameter, and DeleteParameters (up to 10 names, each deleted as its own DeleteParameter).
import { deleteParametersEach, type OneCall } from '../../../../sdk/aws-ssm-fanout.ts'
import { parseParameterRef } from '../../../../sdk/aws-ssm-routes.ts'
import type { SsmContext } from '../context.ts'
import { parameterNotFound } from '../errors.ts'
import { type Input, reqString } from '../input.ts'
import { deleteRecordOp, loadRecord, lockKey } from '../model.ts'

export async function deleteParameter(ctx: SsmContext, input: Input): Promise<Record<string, unknown>> {
  const ref = reqString(input, 'Name', { min: 1, max: 2048 })
  const { name, selector } = parseParameterRef(ref)
  if (selector !== undefined) throw parameterNotFound(ref)
  return ctx.locks.run(lockKey(name), async () => {
    const record = await loadRecord(ctx.storage, name)
    if (!record) throw parameterNotFound(ref)
    // Under the name it was created with, whichever spelling (foo or /foo) the caller used.
    await ctx.storage.batch([deleteRecordOp(record.name)])
    return {}
  })
}

/** Each name deleted as its own DeleteParameter (the adapter authorises each; see src/sdk/aws-ssm-fanout.ts). */
export function deleteParameters(
  ctx: SsmContext,
  input: Input,
  deleteOne: OneCall = (one) => deleteParameter(ctx, one),
): Promise<Record<string, unknown>> {
  return deleteParametersEach(input, deleteOne)
}
