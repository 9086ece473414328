// Test harness for auth methods: a backend over memory or real SQLite storage, a hand-driven clock, a settable client address.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BackendDefinition } from '../../../sdk/framework/backend.ts'
import { BackendInstance } from '../../../sdk/framework/backend.ts'
import type {
  BackendRequest,
  LogicalResponse,
  Operation,
  SystemView,
  UserLockoutConfig,
} from '../../../sdk/request.ts'
import { listRecursive, type Storage, storageView } from '../../../sdk/storage.ts'
import { Barrier } from '../../barrier/barrier.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { SqliteStorage } from '../../physical/sqlite.ts'

export interface AuthHarness {
  instance: BackendInstance
  storage: Storage
  clock: { now: number }
  lockout: UserLockoutConfig
  call(
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
    extra?: Partial<BackendRequest>,
  ): Promise<LogicalResponse | undefined>
  /** A fresh instance over the same storage, as after a restart. */
  restart(): Promise<AuthHarness>
}

let nextId = 0

export async function makeAuth<S>(
  definition: BackendDefinition<S>,
  type: string,
  storage: Storage = new MemoryStorage(),
  clock = { now: Date.UTC(2024, 0, 2, 3, 4, 5) },
): Promise<AuthHarness> {
  const lockout: UserLockoutConfig = { threshold: 5, duration: 900, counterReset: 900, disable: false }
  const system: SystemView = {
    defaultLeaseTtl: 2764800,
    maxLeaseTtl: 2764800,
    mount: {
      path: `auth/${type}/`,
      type,
      uuid: '00000000-0000-4000-8000-00000000000a',
      accessor: `auth_${type}_1`,
      options: {},
    },
    userLockout: lockout,
    now: () => clock.now,
    generatePassword: () => Promise.reject(new Error('no password policies in this harness')),
    log: () => {},
  }
  const instance = await BackendInstance.create(definition, { storage, system })
  return {
    instance,
    storage,
    clock,
    lockout,
    call: (operation, path, data = {}, extra = {}) => {
      nextId += 1
      return instance.handle({
        id: `req-${nextId}`,
        operation,
        path,
        mountPath: `auth/${type}/`,
        data,
        headers: {},
        contentType: 'application/json',
        remoteAddress: '127.0.0.1',
        caller: undefined,
        ...extra,
      })
    },
    restart: () => makeAuth(definition, type, storage, clock),
  }
}

/**
 * The production storage stack: a mount view of the barrier over SQLite in a fresh temp dir. Races show only
 * here, since SQLite commits writes on a writer thread (every write is a real await) where memory storage does not.
 */
export async function sqliteStorage(): Promise<{ storage: Storage; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-auth-'))
  const physical = SqliteStorage.open(join(dir, 'coffer.db'))
  const barrier = new Barrier(physical)
  const key = new Uint8Array(32).fill(7)
  await barrier.initialize(key)
  await barrier.unseal(key)
  return {
    storage: storageView(barrier, 'auth/00000000-0000-4000-8000-00000000000a/'),
    close: async () => {
      await physical.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Run `fn` and return the AppError-like failure it throws, failing when it does not throw. */
export async function failure(fn: () => Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await fn()
  } catch (error) {
    const e = error as { status?: number; message: string }
    return { status: e.status ?? 500, message: e.message }
  }
  throw new Error('expected the call to fail')
}

/** Every stored value as text, to prove a secret never reached storage. */
export async function storedText(storage: Storage): Promise<string> {
  const keys = await listRecursive(storage)
  const values = await Promise.all(
    keys.map(async (key) => Buffer.from((await storage.get(key))!).toString('latin1')),
  )
  return `${keys.join('\n')}\n${values.join('\n')}`
}
