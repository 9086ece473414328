// The HA leader lock and node registry on PostgreSQL: a lock row with a lease judged by the database's clock.
import pg from 'pg'
import type { HaBackend, LockHolder, LockState, NodeHeartbeat } from '../ha.ts'
import { isValidTableName } from './dialect.ts'

export interface PostgresHaOptions {
  connectionUrl: string
  /** The lock table (OpenBao's ha_table); the node registry lives beside it as `<table>_nodes`. */
  table: string
  /** Lock calls give up after this long, so a node cut off from PostgreSQL learns it in time to step down. */
  queryTimeoutMs?: number
}

const LOCK_KEY = 'leader'

/** The lock table and the node registry beside it (`<table>_nodes`, same schema), quoted as the storage's are. */
function haTables(name: string): { lock: string; nodes: string } {
  if (!isValidTableName(name)) throw new Error(`invalid ha_table name: ${JSON.stringify(name)}`)
  const parts = name.split('.')
  const quote = (part: string) => `"${part}"`
  const nodes = [...parts.slice(0, -1), `${parts.at(-1)}_nodes`]
  return { lock: parts.map(quote).join('.'), nodes: nodes.map(quote).join('.') }
}

/** The lock row: who holds it, where to reach them, and until when (the database's clock) it is valid. */
function schema(lock: string, nodes: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${lock} (
      ha_key TEXT COLLATE "C" PRIMARY KEY,
      ha_identity TEXT NOT NULL,
      ha_value TEXT NOT NULL,
      acquired_at TIMESTAMPTZ NOT NULL,
      valid_until TIMESTAMPTZ NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${nodes} (
      node_id TEXT PRIMARY KEY,
      hostname TEXT NOT NULL,
      api_addr TEXT NOT NULL,
      cluster_addr TEXT NOT NULL,
      version TEXT NOT NULL,
      last_echo TIMESTAMPTZ NOT NULL)`,
  ]
}

export class PostgresHaBackend implements HaBackend {
  readonly #pool: pg.Pool
  readonly #lock: string
  readonly #nodes: string

  private constructor(pool: pg.Pool, table: string) {
    this.#pool = pool
    const { lock, nodes } = haTables(table)
    this.#lock = lock
    this.#nodes = nodes
  }

  /** Connect and create the tables when missing. */
  static async open(options: PostgresHaOptions): Promise<PostgresHaBackend> {
    haTables(options.table)
    const timeout = options.queryTimeoutMs ?? 1_000
    // Its own small pool: a busy write path must never hold up a lock renewal.
    const pool = new pg.Pool({
      connectionString: options.connectionUrl,
      max: 2,
      connectionTimeoutMillis: timeout,
      query_timeout: timeout,
      idleTimeoutMillis: 30_000,
    })
    // A connection dropped by the server between calls is replaced on the next one; nothing to do here.
    pool.on('error', () => {})
    const backend = new PostgresHaBackend(pool, options.table)
    try {
      // Nodes starting together would race on CREATE TABLE IF NOT EXISTS (it is not atomic): one at a time.
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        await client.query("SELECT pg_advisory_xact_lock(hashtext('coffer ha schema'))")
        for (const statement of schema(backend.#lock, backend.#nodes)) await client.query(statement)
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        throw error
      } finally {
        client.release()
      }
    } catch (error) {
      await pool.end()
      throw error
    }
    return backend
  }

  async tryAcquire(holder: LockHolder, ttlMs: number): Promise<boolean> {
    const value = JSON.stringify({ apiAddr: holder.apiAddr, clusterAddr: holder.clusterAddr })
    // Taken when absent, expired, or already ours (then only the lease moves). One statement: no race between
    // reading the row and writing it.
    const result = await this.#pool.query(
      `INSERT INTO ${this.#lock} AS l (ha_key, ha_identity, ha_value, acquired_at, valid_until)
       VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp() + $4 * interval '1 millisecond')
       ON CONFLICT (ha_key) DO UPDATE SET
         ha_identity = EXCLUDED.ha_identity,
         ha_value = EXCLUDED.ha_value,
         acquired_at = CASE WHEN l.ha_identity = EXCLUDED.ha_identity THEN l.acquired_at ELSE clock_timestamp() END,
         valid_until = EXCLUDED.valid_until
       WHERE l.valid_until <= clock_timestamp() OR l.ha_identity = EXCLUDED.ha_identity`,
      [LOCK_KEY, holder.nodeId, value, ttlMs],
    )
    return result.rowCount === 1
  }

  async renew(nodeId: string, ttlMs: number): Promise<boolean> {
    const result = await this.#pool.query(
      `UPDATE ${this.#lock} SET valid_until = clock_timestamp() + $3 * interval '1 millisecond'
       WHERE ha_key = $1 AND ha_identity = $2 AND valid_until > clock_timestamp()`,
      [LOCK_KEY, nodeId, ttlMs],
    )
    return result.rowCount === 1
  }

  async release(nodeId: string): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#lock} WHERE ha_key = $1 AND ha_identity = $2`, [
      LOCK_KEY,
      nodeId,
    ])
  }

  async current(): Promise<LockState | undefined> {
    const result = await this.#pool.query<{ ha_identity: string; ha_value: string; acquired_ms: string }>(
      `SELECT ha_identity, ha_value, (extract(epoch from acquired_at) * 1000)::bigint AS acquired_ms
       FROM ${this.#lock} WHERE ha_key = $1 AND valid_until > clock_timestamp()`,
      [LOCK_KEY],
    )
    const row = result.rows[0]
    if (row === undefined) return undefined
    const value = JSON.parse(row.ha_value) as { apiAddr?: unknown; clusterAddr?: unknown }
    return {
      nodeId: row.ha_identity,
      apiAddr: typeof value.apiAddr === 'string' ? value.apiAddr : '',
      clusterAddr: typeof value.clusterAddr === 'string' ? value.clusterAddr : '',
      acquiredAt: Number(row.acquired_ms),
    }
  }

  async heartbeat(node: Omit<NodeHeartbeat, 'lastEcho'>): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#nodes} (node_id, hostname, api_addr, cluster_addr, version, last_echo)
       VALUES ($1, $2, $3, $4, $5, clock_timestamp())
       ON CONFLICT (node_id) DO UPDATE SET hostname = EXCLUDED.hostname, api_addr = EXCLUDED.api_addr,
         cluster_addr = EXCLUDED.cluster_addr, version = EXCLUDED.version, last_echo = EXCLUDED.last_echo`,
      [node.nodeId, node.hostname, node.apiAddr, node.clusterAddr, node.version],
    )
  }

  async nodes(withinMs: number): Promise<NodeHeartbeat[]> {
    // Nodes gone for a day are dropped on the way, so restarts (a fresh id each) do not pile up.
    await this.#pool.query(
      `DELETE FROM ${this.#nodes} WHERE last_echo < clock_timestamp() - interval '1 day'`,
    )
    const result = await this.#pool.query<{
      node_id: string
      hostname: string
      api_addr: string
      cluster_addr: string
      version: string
      echo_ms: string
    }>(
      `SELECT node_id, hostname, api_addr, cluster_addr, version,
              (extract(epoch from last_echo) * 1000)::bigint AS echo_ms
       FROM ${this.#nodes} WHERE last_echo > clock_timestamp() - $1 * interval '1 millisecond'
       ORDER BY last_echo DESC`,
      [withinMs],
    )
    return result.rows.map((row) => ({
      nodeId: row.node_id,
      hostname: row.hostname,
      apiAddr: row.api_addr,
      clusterAddr: row.cluster_addr,
      version: row.version,
      lastEcho: Number(row.echo_ms),
    }))
  }

  async forget(nodeId: string): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#nodes} WHERE node_id = $1`, [nodeId])
  }

  /**
   * The query a write transaction of node `nodeId` runs first (PostgresStorage.setWriteFence): `refused` when
   * another node holds a live lock. Its row lock (FOR SHARE) makes a takeover wait until the transaction ends,
   * and the row is never deleted once it exists (a release only ends its lease), so every write is ordered
   * before or after each change of holder, never beside one. Before the first lock (init) nothing is fenced.
   */
  fenceStatement(nodeId: string): { text: string; values: string[] } {
    return {
      text: `SELECT (ha_identity <> $2 AND valid_until > clock_timestamp()) AS refused
             FROM ${this.#lock} WHERE ha_key = $1 FOR SHARE`,
      values: [LOCK_KEY, nodeId],
    }
  }

  async close(): Promise<void> {
    await this.#pool.end()
  }
}
