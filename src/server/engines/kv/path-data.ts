// KV v2 data/*path: read a version, write a new one (with check-and-set), merge-patch the latest, soft-delete it.

import type { KeyLocks } from '../../../lib/key-locks.ts'
import { InvalidRequestError, NotFoundError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { requireMergePatch } from '../../../sdk/patch-content-type.ts'
import type { LogicalResponse, SystemView } from '../../../sdk/request.ts'
import { NOT_CACHED, type Storage } from '../../../sdk/storage.ts'
import {
  addVersion,
  deleteVersionOp,
  isDeleted,
  type KeyMetadata,
  loadMetadata,
  loadMetadataCached,
  loadVersionData,
  metadataExists,
  newMetadata,
  pickVersion,
  putMetadataOp,
  putVersionOp,
  readMetadata,
  readMetadataCached,
  readVersionData,
  readVersionDataCached,
  versionSummary,
} from './key-metadata.ts'
import { type KvConfig, loadConfig, loadConfigCached, scheduledDeletion } from './kv-config.ts'
import { kvV2Event } from './kv-events.ts'
import { checkWritePath } from './kv-fields.ts'
import { mergePatch } from './merge-patch.ts'

const fields = {
  path: f.string({ description: 'Location of the secret.' }),
  version: f.int({ description: 'On read, the version to return; the latest when 0 or absent.' }),
  options: f.map({
    description: 'Write options; "cas" makes the write a check-and-set (0 = only if absent).',
  }),
  data: f.map({ description: 'The key/value pairs to store as the new version.' }),
}

/** Vault's check-and-set rule: a given cas must equal the current version; it is required when configured. */
function checkCas(options: Record<string, unknown> | undefined, config: KvConfig, meta: KeyMetadata): void {
  const raw = options?.['cas']
  if (raw !== undefined && raw !== null) {
    const cas = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw
    if (typeof cas !== 'number' || !Number.isInteger(cas)) {
      throw new InvalidRequestError('error parsing check-and-set parameter')
    }
    if (cas !== meta.currentVersion) {
      throw new InvalidRequestError('check-and-set parameter did not match the current version')
    }
  } else if (config.casRequired || meta.casRequired) {
    throw new InvalidRequestError('check-and-set parameter required for this call')
  }
}

/** Store `data` as the next version of `path`: new version entry, metadata and pruned versions in one batch. */
async function writeVersion(
  ctx: { storage: Storage; system: SystemView },
  path: string,
  meta: KeyMetadata,
  config: KvConfig,
  data: Record<string, unknown>,
  operation: 'data-write' | 'data-patch' = 'data-write',
): Promise<LogicalResponse> {
  const now = ctx.system.now()
  const deletionTime = scheduledDeletion(now, config, meta.deleteVersionAfter)
  const { version, pruned } = addVersion(meta, now, deletionTime, config.maxVersions)
  await ctx.storage.batch([
    putVersionOp(path, version, { data, createdTime: now }),
    putMetadataOp(path, meta),
    ...pruned.map((v) => deleteVersionOp(path, v)),
  ])
  const vm = meta.versions[String(version)]!
  return { data: versionSummary(meta, version, vm), events: [kvV2Event(operation, path, meta)] }
}

/** A write whose config or metadata was not in memory: both through awaited reads, under the caller's key lock. */
async function writeUncached(
  ctx: { storage: Storage; system: SystemView; input: { options?: Record<string, unknown> | undefined } },
  path: string,
  data: Record<string, unknown>,
): Promise<LogicalResponse> {
  const config = await loadConfig(ctx.storage)
  const meta = (await loadMetadata(ctx.storage, path)) ?? newMetadata(ctx.system.now())
  checkCas(ctx.input.options, config, meta)
  return writeVersion(ctx, path, meta, config, data)
}

/**
 * The answer to a read of a live version, made once per (metadata entry, version, version entry). Both entries
 * are the frozen values shared by readers (`getJsonShared`): any write, delete, undelete, destroy or metadata
 * change stores new bytes, which the barrier hands out as new objects, so a changed secret never meets an old
 * answer here. The caller has already checked, at this request's time, that the version is neither deleted nor
 * destroyed; `frozenData` lets the HTTP adapter encode the answer once.
 */
const readResponses = new WeakMap<object, Map<number, { source: object; response: LogicalResponse }>>()

function sharedReadResponse(
  meta: Readonly<KeyMetadata>,
  version: number,
  data: Readonly<Record<string, unknown>>,
): LogicalResponse {
  const vm = meta.versions[String(version)]!
  if (!Object.isFrozen(meta) || !Object.isFrozen(data))
    return { data: { data, metadata: versionSummary(meta, version, vm) } }
  let byVersion = readResponses.get(meta)
  const memo = byVersion?.get(version)
  if (memo && memo.source === data) return memo.response
  const summary = Object.freeze(versionSummary(meta, version, vm))
  const response: LogicalResponse = Object.freeze({
    data: Object.freeze({ data, metadata: summary }),
    frozenData: true as const,
  })
  if (!byVersion) {
    byVersion = new Map()
    readResponses.set(meta, byVersion)
  }
  byVersion.set(version, { source: data, response })
  return response
}

/** Vault answers a deleted or destroyed version with 404 and the metadata, so clients can tell it from absent. */
function deletedAnswer(meta: Readonly<KeyMetadata>, version: number): LogicalResponse {
  return {
    status: 404,
    data: { data: null, metadata: versionSummary(meta, version, meta.versions[String(version)]!) },
  }
}

/** The read of a live version whose entry was not in memory. */
async function readVersion(
  storage: Storage,
  path: string,
  meta: Readonly<KeyMetadata>,
  version: number,
): Promise<LogicalResponse> {
  const data = await readVersionData(storage, path, version)
  if (data === undefined) return deletedAnswer(meta, version)
  return sharedReadResponse(meta, version, data)
}

/** The read when the metadata entry was not in memory: both entries through awaited reads. */
async function readUncached(
  storage: Storage,
  system: SystemView,
  path: string,
  requested: number | undefined,
): Promise<LogicalResponse | undefined> {
  const meta = await readMetadata(storage, path)
  if (!meta) return undefined
  const version = pickVersion(meta, requested)
  const vm = meta.versions[String(version)]
  if (!vm) return undefined
  if (vm.destroyed || isDeleted(vm, system.now())) return deletedAnswer(meta, version)
  return readVersion(storage, path, meta, version)
}

export const dataPath = definePath<typeof fields, KeyLocks>({
  pattern: 'data/*path',
  fields,
  help: 'Write, patch, read and soft-delete versions of a secret.',
  exists: ({ storage, params }) => metadataExists(storage, params['path'] ?? ''),
  operations: {
    // Reads take no key lock: writes replace metadata and version data in one atomic batch, so a reader
    // sees either the old or the new pair, and readers of a hot secret must not queue behind each other.
    // A hot secret is answered without an await: both entries are taken from the barrier's read cache when it
    // holds them (`getCached`, as fresh as an awaited read), and only a miss falls back to the awaited reads.
    read: ({ storage, system, params, input }) => {
      const path = params['path'] ?? ''
      const meta = readMetadataCached(storage, path)
      if (meta === undefined) return readUncached(storage, system, path, input.version)
      const version = pickVersion(meta, input.version)
      const vm = meta.versions[String(version)]
      if (!vm) return undefined
      if (vm.destroyed || isDeleted(vm, system.now())) return deletedAnswer(meta, version)
      const data = readVersionDataCached(storage, path, version)
      if (data === undefined) return readVersion(storage, path, meta, version)
      return sharedReadResponse(meta, version, data)
    },

    // A write's config and metadata are taken without an await when the barrier holds them or remembers their
    // absence (the existence check has just read the metadata, and config is read by every write), as fresh as
    // the awaited reads, under the same key lock.
    update: (ctx) => {
      const path = checkWritePath(ctx.params['path'] ?? '')
      const data = ctx.input.data
      if (data === undefined) throw new InvalidRequestError('no data provided')
      return ctx.state.run(path, () => {
        const config = loadConfigCached(ctx.storage)
        const cached = loadMetadataCached(ctx.storage, path)
        if (config === undefined || cached === NOT_CACHED) return writeUncached(ctx, path, data)
        const meta = cached ?? newMetadata(ctx.system.now())
        checkCas(ctx.input.options, config, meta)
        return writeVersion(ctx, path, meta, config, data)
      })
    },

    patch: (ctx) => {
      requireMergePatch(ctx.request.contentType)
      const path = ctx.params['path'] ?? ''
      const patch = ctx.input.data
      if (patch === undefined) throw new InvalidRequestError('no data provided')
      return ctx.state.run(path, async () => {
        const meta = await loadMetadata(ctx.storage, path)
        if (!meta) throw new NotFoundError()
        const config = await loadConfig(ctx.storage)
        checkCas(ctx.input.options, config, meta)
        const current = meta.currentVersion
        const vm = meta.versions[String(current)]
        if (!vm) throw new NotFoundError()
        if (isDeleted(vm, ctx.system.now()) || vm.destroyed) {
          // Vault's PATCH 404 carries the version summary at the top of data, not under "metadata".
          return { status: 404, data: versionSummary(meta, current, vm) }
        }
        const existing = await loadVersionData(ctx.storage, path, current)
        const merged = mergePatch(existing, patch) as Record<string, unknown>
        return writeVersion(ctx, path, meta, config, merged, 'data-patch')
      })
    },

    delete: ({ storage, system, state, params }) => {
      const path = params['path'] ?? ''
      return state.run(path, async () => {
        const meta = await loadMetadata(storage, path)
        const vm = meta?.versions[String(meta.currentVersion)]
        const now = system.now()
        if (!meta || !vm || vm.destroyed || isDeleted(vm, now)) return undefined
        vm.deletionTime = now
        await storage.batch([putMetadataOp(path, meta)])
        return {
          events: [kvV2Event('data-delete', path, meta, { deleted_versions: String(meta.currentVersion) })],
        }
      })
    },
  },
})
