// `coffer kv patch KEY K=V...`: update some keys of a KV v2 secret; falls back to read + CAS write on 403/405.
import { ApiError } from '../../../client/index.ts'
import type { CommandContext, CommandSpec } from '../../context.ts'
import { CliError, remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'
import { parseDataArgs } from '../../kv-args.ts'
import { type KvLocation, kvApiPath, requireV2 } from '../../kv-paths.ts'
import { CAS_FLAG, locate, MOUNT_FLAG, mergePatch, printV2Write } from './shared.ts'

/** Read the latest version, merge locally and write it back with CAS so a concurrent write is not lost. */
async function readModifyWrite(ctx: CommandContext, location: KvLocation, patch: Record<string, unknown>) {
  const client = ctx.client()
  const path = kvApiPath(location, 'data')
  const current = await remote(`Error reading ${path}`, () => client.read(path))
  const data = current?.data?.['data']
  if (!current || data === null || data === undefined) throw new CliError(`No value found at ${path}`, 2)
  const version = Number(current.data?.['metadata']?.version ?? 0)
  const cas = ctx.flags.has('cas') ? ctx.flags.int('cas') : version
  const merged = mergePatch(data, patch)
  return remote(`Error writing data to ${path}`, () => client.write(path, { data: merged, options: { cas } }))
}

export const kvPatchCommand: CommandSpec = {
  path: ['kv', 'patch'],
  usage: '[options] KEY [K=V... | -] [-remove-data=K,...]',
  summary: 'Update some keys of an existing KV v2 secret',
  help: [
    'Sends a JSON merge patch. If the server or the policy does not allow PATCH (403 or 405),',
    'reads the secret, merges locally and writes it back with check-and-set (-method=rw forces that).',
  ].join('\n'),
  flags: [
    MOUNT_FLAG,
    CAS_FLAG,
    {
      name: 'method',
      kind: 'string',
      usage: '"patch" (no fallback) or "rw" (read then write); default: patch, then rw',
    },
    { name: 'remove-data', kind: 'list', usage: 'Key to remove from the secret; repeat or comma-separate' },
  ],
  output: true,
  minArgs: 1,
  async run(ctx) {
    const patch = await parseDataArgs(ctx.args.slice(1), ctx)
    // As vault's -remove-data: a null in a JSON merge patch removes the key (and mergePatch does the same for rw).
    for (const key of ctx.flags.list('remove-data')) {
      if (key in patch) throw new UsageError(`key ${JSON.stringify(key)} is both set and in -remove-data`)
      patch[key] = null
    }
    if (Object.keys(patch).length === 0)
      throw new UsageError('must supply data to patch or -remove-data, e.g. password=s3cret')
    const method = ctx.flags.string('method') ?? ''
    if (!['', 'patch', 'rw'].includes(method))
      throw new UsageError(`unsupported -method ${JSON.stringify(method)}: use patch or rw`)
    const location = await locate(ctx)
    requireV2(location, 'kv patch')
    const path = kvApiPath(location, 'data')
    if (method === 'rw') return printV2Write(ctx, path, await readModifyWrite(ctx, location, patch))
    const body: Record<string, unknown> = { data: patch }
    if (ctx.flags.has('cas')) body['options'] = { cas: ctx.flags.int('cas') }
    try {
      const envelope = await ctx.client().patch(path, body)
      return printV2Write(ctx, path, envelope)
    } catch (error) {
      if (error instanceof ApiError && (error.status === 403 || error.status === 405) && method === '') {
        return printV2Write(ctx, path, await readModifyWrite(ctx, location, patch))
      }
      if (error instanceof ApiError && error.status === 404)
        throw new CliError(`No value found at ${path}`, 2)
      return remote(`Error writing data to ${path}`, () => Promise.reject(error))
    }
  },
}
