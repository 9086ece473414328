// `coffer kv put KEY K=V...`: write a secret; on KV v2 a new version, optionally check-and-set.
import type { CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { parseDataArgs } from '../../kv-args.ts'
import { kvApiPath } from '../../kv-paths.ts'
import { success } from '../../output.ts'
import { CAS_FLAG, locate, MOUNT_FLAG, printV2Write } from './shared.ts'

export const kvPutCommand: CommandSpec = {
  path: ['kv', 'put'],
  usage: '[options] KEY [K=V... | -]',
  summary: 'Write a secret to the KV store',
  help: 'Values: K=V, K=@file, K=- (stdin); a lone - reads a whole JSON object from stdin.',
  flags: [MOUNT_FLAG, CAS_FLAG],
  output: true,
  minArgs: 1,
  async run(ctx) {
    const data = await parseDataArgs(ctx.args.slice(1), ctx)
    if (Object.keys(data).length === 0) throw new UsageError('must supply data, e.g. password=s3cret')
    const location = await locate(ctx)
    const path = kvApiPath(location, 'data')
    const client = ctx.client()
    if (location.version === 1) {
      if (ctx.flags.has('cas')) throw new UsageError('-cas needs a KV version 2 mount')
      await remote(`Error writing data to ${path}`, () => client.write(path, data))
      return success(ctx, `Data written to: ${path}`)
    }
    const body: Record<string, unknown> = { data }
    if (ctx.flags.has('cas')) body['options'] = { cas: ctx.flags.int('cas') }
    const envelope = await remote(`Error writing data to ${path}`, () => client.write(path, body))
    return printV2Write(ctx, path, envelope)
  },
}
