// Pieces shared by the kv commands: -mount, -versions, the Secret Path/Metadata layout and merge patching.
import type { SecretEnvelope } from '../../../client/index.ts'
import type { CommandContext, CommandSpec } from '../../context.ts'
import { remote } from '../../context.ts'
import type { FlagSpec } from '../../flags.ts'
import { UsageError } from '../../flags.ts'
import { dataRows, renderKeyValueTable, renderSection } from '../../format.ts'
import { type KvLocation, kvApiPath, locateKv, requireV2 } from '../../kv-paths.ts'
import { printSecret, printWarnings, success } from '../../output.ts'

export const MOUNT_FLAG: FlagSpec = {
  name: 'mount',
  kind: 'string',
  usage: 'Mount path of the KV engine; the argument is then relative to it (e.g. -mount=secret app/db)',
}

export const VERSIONS_FLAG: FlagSpec = {
  name: 'versions',
  kind: 'list',
  usage: 'Versions to act on, comma-separated or repeated',
}

export const CAS_FLAG: FlagSpec = {
  name: 'cas',
  kind: 'int',
  usage: 'Check-and-set: write only if the current version is this (0 = only if absent)',
}

/** The metadata settings `kv metadata put` and `kv metadata patch` both take (custom metadata aside). */
export const METADATA_SETTING_FLAGS: FlagSpec[] = [
  { name: 'max-versions', kind: 'int', usage: 'Versions to keep (0 = the mount default)' },
  { name: 'cas-required', kind: 'bool', usage: 'Require -cas on every write to this key' },
  {
    name: 'delete-version-after',
    kind: 'duration',
    usage: 'Soft-delete versions this long after writing (0s = never)',
  },
]

/** The body members for the METADATA_SETTING_FLAGS given, and only those. */
export function metadataSettings(ctx: CommandContext): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  if (ctx.flags.has('max-versions')) body['max_versions'] = ctx.flags.int('max-versions')
  if (ctx.flags.has('cas-required')) body['cas_required'] = ctx.flags.bool('cas-required')
  if (ctx.flags.has('delete-version-after'))
    body['delete_version_after'] = ctx.flags.string('delete-version-after')
  return body
}

export function locate(ctx: CommandContext): Promise<KvLocation> {
  return locateKv(ctx.client(), ctx.args[0] ?? '', ctx.flags.string('mount'))
}

/** -versions as integers; at least one is required where `required` is set. */
export function parseVersions(ctx: CommandContext, required: boolean): number[] {
  const versions = ctx.flags.list('versions').map((v) => {
    if (!/^\d+$/.test(v)) throw new UsageError(`invalid version ${JSON.stringify(v)} in -versions`)
    return Number(v)
  })
  if (required && versions.length === 0) throw new UsageError('-versions is required, e.g. -versions=1,2')
  return versions
}

/** Empty deletion times read better as "n/a", as the Vault CLI shows them. */
function metadataRows(metadata: Record<string, unknown>): [string, unknown][] {
  return dataRows(metadata).map(([key, value]): [string, unknown] => [
    key,
    key === 'deletion_time' && value === '' ? 'n/a' : value,
  ])
}

/** The v2 write/read layout: "== Secret Path ==", then the metadata table. */
export function printPathAndMetadata(
  ctx: CommandContext,
  apiPath: string,
  metadata: Record<string, unknown>,
): void {
  ctx.out(`${renderSection('Secret Path', apiPath)}\n`)
  ctx.out(renderSection('Metadata', renderKeyValueTable(metadataRows(metadata))))
}

/** Output for a v2 data write (put, patch, rollback). */
export function printV2Write(
  ctx: CommandContext,
  apiPath: string,
  envelope: SecretEnvelope | undefined,
): number {
  if (!envelope) {
    if (ctx.format === 'table') ctx.out(`Success! Data written to: ${apiPath}`)
    return 0
  }
  if (ctx.field !== undefined || ctx.format !== 'table') return printSecret(ctx, envelope)
  printWarnings(ctx, envelope)
  printPathAndMetadata(ctx, apiPath, (envelope.data ?? {}) as Record<string, unknown>)
  return 0
}

/** RFC 7396 JSON merge patch: null deletes a key, objects merge recursively, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch
  const base: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {}
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete base[key]
    else base[key] = mergePatch(base[key], value)
  }
  return base
}

/** `kv undelete` and `kv destroy`: the same versions request, sent to a different KV v2 path. */
export function versionActionCommand(verb: 'undelete' | 'destroy', summary: string): CommandSpec {
  return {
    path: ['kv', verb],
    usage: '[options] -versions=N[,M] KEY',
    summary,
    flags: [MOUNT_FLAG, VERSIONS_FLAG],
    output: true,
    minArgs: 1,
    maxArgs: 1,
    async run(ctx) {
      const versions = parseVersions(ctx, true)
      const location = await locate(ctx)
      requireV2(location, `kv ${verb}`)
      const path = kvApiPath(location, verb)
      await remote(`Error writing data to ${path}`, () => ctx.client().write(path, { versions }))
      return success(ctx, `Data written to: ${path}`)
    },
  }
}
