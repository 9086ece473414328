// Physical-private: the leader lock and node registry a storage offers for high availability (PostgreSQL does).

/** Who holds (or asks for) the active node's lock, and where clients and nodes reach it. */
export interface LockHolder {
  /** This process's node id, fresh on every start. */
  nodeId: string
  /** The node's api_addr: where standbys forward requests and clients are redirected. */
  apiAddr: string
  /** The node's cluster_addr (reported by sys/leader; Coffer forwards over api_addr). */
  clusterAddr: string
}

/** The lock as it stands, read from the storage. */
export interface LockState extends LockHolder {
  /** Milliseconds since the epoch when the holder took the lock. */
  acquiredAt: number
}

/** One node's last heartbeat, as sys/ha-status reports it. */
export interface NodeHeartbeat {
  nodeId: string
  hostname: string
  apiAddr: string
  clusterAddr: string
  version: string
  /** Milliseconds since the epoch, by the storage's clock. */
  lastEcho: number
}

/**
 * A lock with a lease, judged by the storage's clock so nodes' clocks need not agree: a holder keeps it by
 * renewing before `ttlMs` passes; anyone may take it once the lease has run out. The holder must stop acting as
 * active before its lease can have run out (see core/ha/coordinator.ts), and a storage that can also fences
 * writes: once another node holds the lock, writes sent by the old holder fail.
 */
export interface HaBackend {
  /** Take the lock when it is free or its lease ran out (or renew it when `holder` has it); true when held after. */
  tryAcquire(holder: LockHolder, ttlMs: number): Promise<boolean>
  /** Extend the lease of a lock `nodeId` holds; false when it no longer holds it. */
  renew(nodeId: string, ttlMs: number): Promise<boolean>
  /** Give the lock up at once when `nodeId` holds it. */
  release(nodeId: string): Promise<void>
  /** The holder of an unexpired lock, if any. */
  current(): Promise<LockState | undefined>
  /** Record that this node is alive now. */
  heartbeat(node: Omit<NodeHeartbeat, 'lastEcho'>): Promise<void>
  /** Nodes heard from within `withinMs`, most recent first. */
  nodes(withinMs: number): Promise<NodeHeartbeat[]>
  /** Forget this node's heartbeat (a clean shutdown). */
  forget(nodeId: string): Promise<void>
  /**
   * Storage fencing: from now on, this node's writes commit only while `nodeId` holds the lock; undefined lifts
   * the check. Optional: a storage without it relies on the holder stepping down in time.
   */
  fenceWrites?(nodeId: string | undefined): void
  /** Release connections. */
  close(): Promise<void>
}

/** What a standby learns from the storage's change log (see physical/postgres/change-log.ts). */
export interface ChangesSince {
  /** The newest change number. */
  head: number
  /** Keys written after the asked-for number; 'all' when the log does not reach back that far. */
  keys: readonly string[] | 'all'
}

/** The storage's change log as a standby reads it. */
export interface ChangeFeed {
  since(seq: number): Promise<ChangesSince>
}
