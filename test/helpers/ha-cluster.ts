// A Coffer HA cluster in this process: N servers on one fresh PostgreSQL database with the leader lock enabled.
import assert from 'node:assert/strict'
import type { HaTuning } from '../../src/server/core/ha/coordinator.ts'
import { type RunningServer, type StartOptions, startServer } from '../../src/server/start-server.ts'
import { createTestDatabase, type TestDatabase } from './pg-database.ts'
import { client, type Reply } from './server.ts'

/** Short lock timings: a failover takes well under a second, with the defaults' proportions. */
export const FAST_HA: HaTuning = {
  lockTtlMs: 800,
  renewIntervalMs: 200,
  retryIntervalMs: 100,
  stepDownHoldMs: 1_000,
  heartbeatIntervalMs: 200,
}

export interface HaNode {
  server: RunningServer
  address: string
  call: ReturnType<typeof client>
  /** Whether this node is the active one right now. */
  active(): boolean
}

export interface HaCluster {
  db: TestDatabase
  nodes: HaNode[]
  rootToken: string
  unsealKey: string
  /** Resolves with the active node once exactly one node is active. */
  active(): Promise<HaNode>
  standbys(): HaNode[]
  close(): Promise<void>
}

export function haStorage(url: string) {
  return {
    type: 'postgresql' as const,
    connectionUrl: url,
    table: 'coffer_kv_store',
    maxParallel: 8,
    skipCreateTable: false,
    haEnabled: true,
    haTable: 'coffer_ha_locks',
  }
}

export async function startHaNode(
  url: string,
  tuning: Partial<HaTuning> = FAST_HA,
  extra: Partial<StartOptions> = {},
): Promise<HaNode> {
  const server = await startServer({
    ...extra,
    config: {
      listeners: [{ type: 'tcp', address: '127.0.0.1:0', tlsDisable: true, maxRequestSize: 32 << 20 }],
      storage: haStorage(url),
      defaultLeaseTtl: 3600,
      maxLeaseTtl: 7200,
      logLevel: (process.env['HA_LOG'] as 'warn') ?? 'error',
      disableMlock: true,
      ui: false,
    },
    haTuning: tuning,
  })
  return {
    server,
    address: server.address,
    call: client(server.address, ''),
    active: () => server.core.ha?.isActive() ?? false,
  }
}

/** Wait (without a deadline of its own: the test's timeout bounds it) until `check` holds. */
export async function until(check: () => boolean | Promise<boolean>, everyMs = 20): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, everyMs))
}

/** `size` nodes on a fresh database: the first initialises it, every node is unsealed. `extra` adds start options per node. */
export async function startHaCluster(
  size = 3,
  tuning: Partial<HaTuning> = FAST_HA,
  extra: (index: number) => Partial<StartOptions> = () => ({}),
): Promise<HaCluster> {
  const db = await createTestDatabase()
  const nodes: HaNode[] = []
  try {
    for (let i = 0; i < size; i++) nodes.push(await startHaNode(db.url, tuning, extra(i)))
    const init = await nodes[0]!.call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
    assert.equal(init.status, 200)
    const unsealKey: string = init.body.keys_base64[0]
    const rootToken: string = init.body.root_token
    for (const node of nodes) {
      const unsealed: Reply = await node.call('PUT', 'sys/unseal', { body: { key: unsealKey } })
      assert.equal(unsealed.body.sealed, false, JSON.stringify(unsealed.body))
    }
    const cluster: HaCluster = {
      db,
      nodes,
      rootToken,
      unsealKey,
      active: async () => {
        await until(() => nodes.filter((node) => node.active()).length === 1)
        return nodes.find((node) => node.active())!
      },
      standbys: () => nodes.filter((node) => !node.active()),
      close: async () => {
        for (const node of nodes) await node.server.close().catch(() => {})
        await db.drop()
      },
    }
    return cluster
  } catch (error) {
    for (const node of nodes) await node.server.close().catch(() => {})
    await db.drop()
    throw error
  }
}
