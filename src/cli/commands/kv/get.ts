// `coffer kv get KEY`: read a secret (a given -version on KV v2), data and metadata in Vault's layout.
import type { CommandSpec } from '../../context.ts'
import { CliError, remote } from '../../context.ts'
import { dataRows, lookupField, renderKeyValueTable, renderSection } from '../../format.ts'
import { kvApiPath, kvDisplayPath } from '../../kv-paths.ts'
import { printField, printSecret, printWarnings } from '../../output.ts'
import { locate, MOUNT_FLAG, printPathAndMetadata } from './shared.ts'

export const kvGetCommand: CommandSpec = {
  path: ['kv', 'get'],
  usage: '[options] KEY',
  summary: 'Read a secret from the KV store',
  flags: [MOUNT_FLAG, { name: 'version', kind: 'int', usage: 'Version to read (KV v2; default latest)' }],
  output: true,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const location = await locate(ctx)
    const client = ctx.client()
    if (location.version === 1) {
      const path = kvApiPath(location, 'data')
      const envelope = await remote(`Error reading ${path}`, () => client.read(path))
      if (!envelope) throw new CliError(`No value found at ${path}`, 2)
      return printSecret(ctx, envelope)
    }
    const path = kvApiPath(location, 'data')
    const version = ctx.flags.int('version')
    const query = version === undefined ? undefined : { version: String(version) }
    const envelope = await remote(`Error reading ${path}`, () => client.read(path, query))
    if (!envelope) throw new CliError(`No value found at ${path}`, 2)
    const secretData = (envelope.data?.['data'] ?? null) as Record<string, unknown> | null
    const metadata = (envelope.data?.['metadata'] ?? {}) as Record<string, unknown>
    if (ctx.field !== undefined) {
      // As vault: a deleted or destroyed version has no field to print.
      if (!secretData) throw new CliError(`No data found at ${path}`, 2)
      // As vault, -field=data names the whole data map unless the secret has its own "data" key.
      if (ctx.field === 'data' && !('data' in secretData)) return printField(ctx, secretData, ctx.field)
      // Data keys first, then metadata, so `-field=version` still works on a secret without such a key.
      const value =
        ctx.field in secretData ? secretData[ctx.field] : lookupField(envelope, ctx.field, metadata)
      return printField(ctx, value, ctx.field)
    }
    if (ctx.format !== 'table') return printSecret(ctx, envelope)
    printWarnings(ctx, envelope)
    printPathAndMetadata(ctx, path, metadata)
    if (secretData) ctx.out(`\n${renderSection('Data', renderKeyValueTable(dataRows(secretData)))}`)
    else
      ctx.err(
        `\nNo data: version ${metadata['version'] ?? '?'} of ${kvDisplayPath(location)} is deleted or destroyed.`,
      )
    return 0
  },
}
