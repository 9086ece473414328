// Test harness for the KV engine: a mounted backend over memory (or a given) storage with a hand-driven clock.
import { BackendInstance } from '../../../sdk/framework/backend.ts'
import type { BackendRequest, LogicalResponse, Operation, SystemView } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { kvBackend } from './backend.ts'

export const START = Date.UTC(2024, 0, 2, 3, 4, 5, 678)

export interface KvHarness {
  instance: BackendInstance
  storage: Storage
  clock: { now: number }
  /** Advance the clock by `ms`. */
  tick(ms: number): void
  call(
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
    extra?: Partial<BackendRequest>,
  ): Promise<LogicalResponse | undefined>
  /** PATCH with the merge-patch content type. */
  patch(path: string, data: Record<string, unknown>): Promise<LogicalResponse | undefined>
  exists(path: string, data?: Record<string, unknown>): Promise<boolean | undefined>
}

let nextId = 0

export function kvRequest(
  operation: Operation,
  path: string,
  data: Record<string, unknown> = {},
  extra: Partial<BackendRequest> = {},
): BackendRequest {
  nextId += 1
  return {
    id: `req-${nextId}`,
    operation,
    path,
    mountPath: 'secret/',
    data,
    headers: {},
    contentType: 'application/json',
    remoteAddress: '127.0.0.1',
    caller: undefined,
    ...extra,
  }
}

export async function makeKv(
  options: { version?: string; type?: string; storage?: Storage } = {},
): Promise<KvHarness> {
  const storage = options.storage ?? new MemoryStorage()
  const clock = { now: START }
  const system: SystemView = {
    defaultLeaseTtl: 2764800,
    maxLeaseTtl: 2764800,
    mount: {
      path: 'secret/',
      type: options.type ?? 'kv',
      uuid: '00000000-0000-4000-8000-000000000001',
      accessor: 'kv_0001',
      options: options.version === undefined ? {} : { version: options.version },
    },
    now: () => clock.now,
    generatePassword: async () => 'unused-in-kv',
    log: () => {},
  }
  const instance = await BackendInstance.create(kvBackend, { storage, system })
  return {
    instance,
    storage,
    clock,
    tick(ms) {
      clock.now += ms
    },
    call: (operation, path, data, extra) => instance.handle(kvRequest(operation, path, data, extra)),
    patch: (path, data) =>
      instance.handle(kvRequest('patch', path, data, { contentType: 'application/merge-patch+json' })),
    exists: (path, data) => instance.exists(kvRequest('update', path, data)),
  }
}

/** `response.data` as a plain record, failing loudly when absent. */
export function dataOf(response: LogicalResponse | undefined): Record<string, unknown> {
  if (!response?.data) throw new Error(`expected a response with data, got ${JSON.stringify(response)}`)
  return response.data
}
