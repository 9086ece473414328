// The KV engine's test harness: the shared backend harness mounted at secret/, with merge-patch PATCH.
import { type BackendHarness, buildBackend } from '../../../sdk/framework/backend-harness.ts'
import type { LogicalResponse } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { kvBackend } from './backend.ts'

export { dataOf } from '../../../sdk/framework/backend-harness.ts'

export const START = Date.UTC(2024, 0, 2, 3, 4, 5, 678)

export interface KvHarness extends BackendHarness {
  /** PATCH with the merge-patch content type. */
  patch(path: string, data: Record<string, unknown>): Promise<LogicalResponse | undefined>
}

export async function makeKv(
  options: { version?: string; type?: string; storage?: Storage } = {},
): Promise<KvHarness> {
  const h = await buildBackend(kvBackend, {
    storage: options.storage ?? new MemoryStorage(),
    clock: { now: START },
    mount: {
      path: 'secret/',
      type: options.type ?? 'kv',
      accessor: 'kv_0001',
      options: options.version === undefined ? {} : { version: options.version },
    },
    generatePassword: async () => 'unused-in-kv',
  })
  return {
    ...h,
    patch: (path, data) => h.call('patch', path, data, { contentType: 'application/merge-patch+json' }),
  }
}
