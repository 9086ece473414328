// Test harness for the database engine: a mounted backend over memory storage, a hand-driven clock, polling with a deadline.
import { randomBytes } from 'node:crypto'
import mysql from 'mysql2/promise'
import { generatePassword } from '../../../lib/password-policy.ts'
import { BackendInstance } from '../../../sdk/framework/backend.ts'
import type { BackendRequest, LogicalResponse, Operation, SystemView } from '../../../sdk/request.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { databaseBackend } from './backend.ts'
import type { DbState } from './state.ts'

export interface DbHarness {
  instance: BackendInstance
  storage: MemoryStorage
  clock: { now: number }
  call(
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
  ): Promise<LogicalResponse | undefined>
  revoke(internal: Record<string, unknown>): Promise<void>
  renew(internal: Record<string, unknown>, increment: number): Promise<{ ttl?: number } | undefined>
  periodic(): Promise<void>
  close(): Promise<void>
}

let nextId = 0

export async function makeDb(storage = new MemoryStorage(), clock = { now: Date.now() }): Promise<DbHarness> {
  const system: SystemView = {
    defaultLeaseTtl: 3600,
    maxLeaseTtl: 86400,
    mount: { path: 'database/', type: 'database', uuid: 'u-db', accessor: 'database_0001', options: {} },
    now: () => clock.now,
    generatePassword: async () => generatePassword(),
    log: () => {},
  }
  const instance = await BackendInstance.create(databaseBackend, { storage, system })
  const ctx = () => ({ storage, system, state: instance.state as DbState })
  return {
    instance,
    storage,
    clock,
    call: (operation, path, data = {}) => {
      nextId += 1
      const request: BackendRequest = {
        id: `req-${nextId}`,
        operation,
        path,
        mountPath: 'database/',
        data,
        headers: {},
        contentType: 'application/json',
        remoteAddress: '127.0.0.1',
        caller: { accessor: 'a', policies: ['root'], displayName: 'token', entityId: '', metadata: {} },
      }
      return instance.handle(request)
    },
    revoke: (internal) => instance.secret('creds')!.revoke(ctx(), internal),
    renew: (internal, increment) =>
      instance.secret('creds')!.renew!(ctx(), internal, { ttl: 3600, increment }),
    periodic: () => instance.periodic(),
    close: () => instance.cleanup(),
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`
}

/** Poll `check` until it returns true or the generous deadline passes. */
export async function eventually(
  check: () => Promise<boolean>,
  what: string,
  deadlineMs = 20_000,
): Promise<void> {
  const end = Date.now() + deadlineMs
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for: ${what}`)
}

/** Whether `user` can log in to the local MariaDB with `password` (and run a query). */
export async function canLoginMariaDb(user: string, password: string): Promise<boolean> {
  try {
    const conn = await mysql.createConnection({
      host: '127.0.0.1',
      port: 3306,
      user,
      password,
      connectTimeout: 5000,
    })
    await conn.query('SELECT 1')
    await conn.end()
    return true
  } catch {
    return false
  }
}
