// KV v2 subkeys/*path: a version's key structure with every leaf value replaced by null.

import type { KeyLocks } from '../../../lib/key-locks.ts'
import { setOwn } from '../../../lib/set-own.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { isDeleted, loadMetadata, loadVersionData, pickVersion, versionSummary } from './key-metadata.ts'

const fields = {
  path: f.string({ description: 'Location of the secret.' }),
  depth: f.int({ description: 'Deepest level to show; 0 means no limit.' }),
  version: f.int({ description: 'The version to describe; the latest when 0 or absent.' }),
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * Keep only keys: a non-empty object below `maxDepth` is walked, everything else becomes null, so
 * no value can leak through the depth cut-off. Depth 0 means unlimited, as in Vault.
 */
export function stripValues(
  input: Record<string, unknown>,
  maxDepth: number,
  depth = 1,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    const next = depth + 1
    const walk = isObject(value) && Object.keys(value).length > 0 && (maxDepth === 0 || next <= maxDepth)
    setOwn(out, key, walk ? stripValues(value, maxDepth, next) : null)
  }
  return out
}

export const subkeysPath = definePath<typeof fields, KeyLocks>({
  pattern: 'subkeys/*path',
  fields,
  help: "Read a secret's structure without its values.",
  operations: {
    read: ({ storage, system, state, params, input }) => {
      const path = params['path'] ?? ''
      return state.run(path, async () => {
        const meta = await loadMetadata(storage, path)
        if (!meta) return undefined
        const version = pickVersion(meta, input.version)
        const vm = meta.versions[String(version)]
        if (!vm) return undefined
        const metadata = versionSummary(meta, version, vm)
        if (isDeleted(vm, system.now()) || vm.destroyed)
          return { status: 404, data: { metadata, subkeys: null } }
        const data = await loadVersionData(storage, path, version)
        return { data: { metadata, subkeys: stripValues(data, input.depth ?? 0) } }
      })
    },
  },
})
