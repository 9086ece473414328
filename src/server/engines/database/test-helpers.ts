// The database engine's test harness: the shared backend harness at database/, plus helpers for the real servers.
import { randomBytes } from 'node:crypto'
import mysql from 'mysql2/promise'
import { generatePassword } from '../../../lib/password-policy.ts'
import { type BackendHarness, buildBackend } from '../../../sdk/framework/backend-harness.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { databaseBackend } from './backend.ts'

export interface DbHarness extends Omit<BackendHarness, 'revoke' | 'renew'> {
  storage: MemoryStorage
  /** The `creds` secret's revoke and renew, as the expiration manager calls them (lease TTL 3600). */
  revoke(internal: Record<string, unknown>): Promise<void>
  renew(internal: Record<string, unknown>, increment: number): Promise<{ ttl?: number } | undefined>
}

export async function makeDb(storage = new MemoryStorage(), clock = { now: Date.now() }): Promise<DbHarness> {
  const h = await buildBackend(databaseBackend, {
    storage,
    clock,
    mount: { path: 'database/', type: 'database', uuid: 'u-db', accessor: 'database_0001' },
    defaultLeaseTtl: 3600,
    maxLeaseTtl: 86400,
    generatePassword: async () => generatePassword(),
    request: {
      caller: { accessor: 'a', policies: ['root'], displayName: 'token', entityId: '', metadata: {} },
    },
  })
  return {
    ...h,
    storage,
    revoke: (internal) => h.revoke('creds', internal),
    renew: (internal, increment) => h.renew('creds', internal, { ttl: 3600, increment }),
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
