// sys/internal/specs/openapi's document: every visible mount's declared paths, under the mount's own path.
import type { BackendInstance } from '../../../sdk/framework/backend.ts'
import { backendTag } from '../../../sdk/framework/openapi/backend-help.ts'
import { documentPaths } from '../../../sdk/framework/openapi/document-paths.ts'
import {
  newOpenApiDocument,
  OPENAPI_METHODS,
  type OpenApiDocument,
  sortDocument,
} from '../../../sdk/framework/openapi/openapi-document.ts'
import type { MountEntry } from '../../core/mount-table.ts'

export interface DocumentedMount {
  entry: MountEntry
  backend: BackendInstance
}

export interface MountsDocumentOptions {
  version: string
  /** Vault's generic_mount_paths: each mount's path becomes a `{<mount>_mount_path}` parameter (for code generators). */
  genericMountPaths?: boolean
}

/** Vault tags its built-in mounts by what they are rather than by the backend's kind. */
const BUILTIN_TAGS: Record<string, string> = {
  'sys/': 'system',
  'identity/': 'identity',
  'cubbyhole/': 'secrets',
  'auth/token/': 'auth',
}

export function mountsDocument(
  mounts: readonly DocumentedMount[],
  opts: MountsDocumentOptions,
): OpenApiDocument {
  const doc = newOpenApiDocument(opts.version)
  const typesSeen = new Set<string>()
  const sorted = [...mounts].sort((a, b) => (a.entry.path < b.entry.path ? -1 : 1))
  for (const { entry, backend } of sorted) {
    const mountPrefix = entry.table === 'auth' ? 'auth/' : ''
    const mount = entry.path.slice(mountPrefix.length)
    // Vault prefixes operationIds with the mount's type; a second mount of one type would repeat them all, so
    // it also names its mount path (operationIds must be unique in an OpenAPI document).
    const prefix = typesSeen.has(entry.type) ? `${entry.type}-${mount.replace(/\/$/, '')}` : entry.type
    typesSeen.add(entry.type)
    const backendDoc = newOpenApiDocument(opts.version)
    documentPaths(
      backend.pathDefinitions,
      {
        prefix,
        tag: BUILTIN_TAGS[entry.path] ?? backendTag(backend),
        specialPaths: backend.definition.specialPaths,
      },
      backendDoc,
    )
    // Built-in mounts exist once, always at the same path: Vault never turns them into parameters.
    const param =
      opts.genericMountPaths && !entry.builtin
        ? `${mount.replace(/\/$/, '').replace(/[^A-Za-z0-9_]/g, '_')}_mount_path`
        : undefined
    const mountInPath = param ? `{${param}}/` : mount
    for (const [relative, item] of Object.entries(backendDoc.paths)) {
      if (param) {
        item.parameters = [
          ...(item.parameters ?? []),
          {
            name: param,
            description: 'Path that the backend was mounted at',
            in: 'path',
            schema: { type: 'string', default: mount.replace(/\/$/, '') },
            required: true,
          },
        ]
      }
      doc.paths[`/${mountPrefix}${mountInPath}${relative.slice(1)}`] = item
    }
    Object.assign(doc.components.schemas, backendDoc.components.schemas)
  }
  uniqueOperationIds(doc)
  return sortDocument(doc)
}

/** A last guard, in Vault's older style (`_2`, `_3`): two mounts whose paths still give one operationId. */
function uniqueOperationIds(doc: OpenApiDocument): void {
  const seen = new Map<string, number>()
  for (const key of Object.keys(doc.paths).sort()) {
    const item = doc.paths[key]!
    for (const method of OPENAPI_METHODS) {
      const op = item[method]
      if (!op) continue
      const count = (seen.get(op.operationId) ?? 0) + 1
      seen.set(op.operationId, count)
      if (count > 1) item[method] = { ...op, operationId: `${op.operationId}_${count}` }
    }
  }
}
