// An in-process HaBackend: several cores in one process share it (tests, and one-machine trials of HA).
import type { HaBackend, LockHolder, LockState, NodeHeartbeat } from './ha.ts'

/** The shared state; give the same instance to every node's MemoryHaBackend. */
export class MemoryHaState {
  lock: (LockState & { expiresAt: number }) | undefined
  readonly nodes = new Map<string, NodeHeartbeat>()
  readonly now: () => number
  constructor(now: () => number = Date.now) {
    this.now = now
  }
}

export class MemoryHaBackend implements HaBackend {
  readonly #state: MemoryHaState
  constructor(state: MemoryHaState) {
    this.#state = state
  }

  async tryAcquire(holder: LockHolder, ttlMs: number): Promise<boolean> {
    const now = this.#state.now()
    const lock = this.#state.lock
    if (lock !== undefined && lock.expiresAt > now && lock.nodeId !== holder.nodeId) return false
    const acquiredAt = lock?.nodeId === holder.nodeId && lock.expiresAt > now ? lock.acquiredAt : now
    this.#state.lock = { ...holder, acquiredAt, expiresAt: now + ttlMs }
    return true
  }

  async renew(nodeId: string, ttlMs: number): Promise<boolean> {
    const now = this.#state.now()
    const lock = this.#state.lock
    if (lock === undefined || lock.nodeId !== nodeId || lock.expiresAt <= now) return false
    lock.expiresAt = now + ttlMs
    return true
  }

  async release(nodeId: string): Promise<void> {
    if (this.#state.lock?.nodeId === nodeId) this.#state.lock = undefined
  }

  async current(): Promise<LockState | undefined> {
    const lock = this.#state.lock
    if (lock === undefined || lock.expiresAt <= this.#state.now()) return undefined
    const { expiresAt: _, ...state } = lock
    return state
  }

  async heartbeat(node: Omit<NodeHeartbeat, 'lastEcho'>): Promise<void> {
    this.#state.nodes.set(node.nodeId, { ...node, lastEcho: this.#state.now() })
  }

  async nodes(withinMs: number): Promise<NodeHeartbeat[]> {
    const since = this.#state.now() - withinMs
    return [...this.#state.nodes.values()]
      .filter((node) => node.lastEcho >= since)
      .sort((a, b) => b.lastEcho - a.lastEcho)
  }

  async forget(nodeId: string): Promise<void> {
    this.#state.nodes.delete(nodeId)
  }

  async close(): Promise<void> {}
}
