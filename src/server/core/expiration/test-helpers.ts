// Shared by the expiration tests: a clock the test moves and a backend whose secrets are rows in its own storage.
import { silentLogger } from '../../../lib/logger.ts'
import { NO_EVENTS } from '../../../sdk/events.ts'
import { BackendInstance, defineBackend } from '../../../sdk/framework/backend.ts'
import { type Storage, storageView } from '../../../sdk/storage.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { ExpirationManager } from './expiration-manager.ts'

export class TestClock {
  now_ = Date.UTC(2026, 10, 22, 12, 0, 0)
  now(): number {
    return this.now_
  }
  advance(seconds: number): void {
    this.now_ += seconds * 1000
  }
}

export interface Control {
  failRevoke: boolean
  /** The TTL the backend grants on renewal; the increment asked for when unset. */
  renewTtl?: number
  /** Writes a renewal makes before it answers (1 when unset): more make it slower than a revocation. */
  renewWrites?: number
  /** Called as a renewal reaches the backend, so a test can act between the manager's checks and its write. */
  onRenew?: () => void
  /** Awaited by a renewal at the backend, holding the lease's lock until the test lets it go. */
  renewGate?: Promise<void>
}

/** A backend whose secrets are rows in its own storage; revoking deletes the row, and can be made to fail. */
export function rowsBackend(control: Control) {
  return defineBackend<unknown>({
    kind: 'secret',
    help: 'test rows',
    paths: [],
    secrets: [
      {
        type: 'row',
        revoke: async ({ storage }, internal) => {
          if (control.failRevoke) throw new Error('database unreachable')
          await storage.delete(`rows/${internal['name']}`)
        },
        // Renewing writes too (a database engine extends the user's validity), so on SQLite it is a real await gap.
        renew: async ({ storage }, internal, lease) => {
          control.onRenew?.()
          if (control.renewGate) await control.renewGate
          for (let i = 0; i < (control.renewWrites ?? 1); i++)
            await storage.put(`renewals/${internal['name']}`, Buffer.from(String(lease.increment)))
          return { ttl: control.renewTtl ?? lease.increment }
        },
      },
      { type: 'fixed', revoke: async ({ storage }, internal) => storage.delete(`rows/${internal['name']}`) },
    ],
  })
}

export async function setup(opts: { maxRevokeAttempts?: number; physical?: Storage } = {}) {
  const physical = opts.physical ?? new MemoryStorage()
  const clock = new TestClock()
  const control: Control = { failRevoke: false }
  const backendStorage = storageView(physical, 'logical/rows/')
  const backend = await BackendInstance.create(rowsBackend(control), {
    storage: backendStorage,
    system: {
      defaultLeaseTtl: 3600,
      maxLeaseTtl: 7200,
      mount: { path: 'rows/', type: 'rows', uuid: 'u', accessor: 'rows_1', options: {} },
      now: () => clock.now(),
      log: () => undefined,
      generatePassword: async () => 'unused-by-these-tests',
      events: NO_EVENTS,
    },
  })
  /** Lease ids in the order their revocation was reported (what core publishes lease/revoke events from). */
  const revoked: string[] = []
  const make = () =>
    new ExpirationManager({
      storage: storageView(physical, 'sys/expire/'),
      clock,
      logger: silentLogger,
      backendAt: (path) => (path === 'rows/' ? backend : undefined),
      onRevoked: (lease) => revoked.push(lease.leaseId),
      tuning: {
        tickMs: 60_000, // the test drives tick() itself
        baseBackoffMs: 1_000,
        maxBackoffMs: 4_000,
        maxRevokeAttempts: opts.maxRevokeAttempts ?? 12,
      },
    })
  const manager = make()
  await manager.start()
  const issue = async (name: string, ttl: number, extra: { tokenHash?: string; maxTtl?: number } = {}) => {
    await backendStorage.put(`rows/${name}`, Buffer.from('x'))
    return manager.register({
      path: `rows/creds/${name}`,
      mountPath: 'rows/',
      secret: {
        type: 'row',
        ttl,
        renewable: true,
        internal: { name },
        ...(extra.maxTtl ? { maxTtl: extra.maxTtl } : {}),
      },
      tokenHash: extra.tokenHash ?? '',
      defaultTtl: 3600,
      maxTtl: 7200,
    })
  }
  const rowExists = async (name: string) => (await backendStorage.get(`rows/${name}`)) !== undefined
  return { physical, clock, control, manager, make, issue, rowExists, backendStorage, revoked }
}
