// Group commit for PostgreSQL: writes arriving while a commit is in flight are gathered and committed together.
import type { StorageOp } from '../../../sdk/storage.ts'
import { unstorableKey } from './dialect.ts'

/** A group's net effect after collapsing it per key in arrival order: disjoint sets of upserts and deletes. */
export interface Change {
  putKeys: string[]
  putValues: Uint8Array[]
  deleteKeys: string[]
}

/** Applies one Change as one transaction; resolves once it has committed. */
export type ApplyChange = (change: Change) => Promise<void>

type Job =
  | { kind: 'batch'; ops: StorageOp[]; resolve: () => void; reject: (error: Error) => void }
  | { kind: 'exclusive'; run: () => Promise<void>; resolve: () => void; reject: (error: Error) => void }

/** Most ops committed in one group; a larger queue is committed as several groups in order. */
const MAX_GROUP_OPS = 20_000

/**
 * Whether PostgreSQL refused the data itself (SQLSTATE class 22 data exception, 23 integrity, 54 limit
 * exceeded such as an index row too large), which one batch of a group can cause alone. A lost connection
 * or an unavailable server fails every batch just the same, so retrying them one by one would only wait
 * once per caller.
 */
function refusesData(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code)
}

/** The last op on each key wins, as if the batches had been applied one after another in arrival order. */
export function collapse(batches: readonly StorageOp[][]): Change {
  const last = new Map<string, Uint8Array | null>()
  for (const ops of batches) {
    for (const op of ops) last.set(op.key, op.op === 'put' ? op.value : null)
  }
  const change: Change = { putKeys: [], putValues: [], deleteKeys: [] }
  for (const [key, value] of last) {
    if (value === null) change.deleteKeys.push(key)
    else {
      change.putKeys.push(key)
      change.putValues.push(value)
    }
  }
  return change
}

/**
 * One writer at a time: while a group commits, later writes queue; the next group takes all of them. A
 * group that fails is retried one batch at a time, so one caller's bad batch fails only that caller and
 * every batch stays all-or-nothing. Exclusive jobs (replaceAll) run alone, after everything queued before
 * them and before anything queued after.
 */
export class GroupCommit {
  readonly #apply: ApplyChange
  #queue: Job[] = []
  #draining = false
  #groups = 0
  #batches = 0

  constructor(apply: ApplyChange) {
    this.#apply = apply
  }

  /** Transactions committed for groups so far, and batches they carried: grouping works when batches > groups. */
  get stats(): { groups: number; batches: number } {
    return { groups: this.#groups, batches: this.#batches }
  }

  /** Queue `ops` as one atomic batch; resolves once it has committed. Values are copied now. */
  enqueue(ops: StorageOp[]): Promise<void> {
    const copied: StorageOp[] = []
    for (const op of ops) {
      const why = unstorableKey(op.key)
      if (why !== undefined) return Promise.reject(new TypeError(why))
      if (op.op === 'put') {
        if (!(op.value instanceof Uint8Array))
          return Promise.reject(new TypeError(`storage value for ${op.key} must be a Uint8Array`))
        copied.push({ op: 'put', key: op.key, value: new Uint8Array(op.value) })
      } else copied.push({ op: 'delete', key: op.key })
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'batch', ops: copied, resolve, reject })
      this.#start()
    })
  }

  /** Run `run` alone once every write queued before it has settled; writes queued meanwhile wait for it. */
  exclusive(run: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'exclusive', run, resolve, reject })
      this.#start()
    })
  }

  /** Resolves once every write queued so far has settled. */
  flush(): Promise<void> {
    return this.exclusive(async () => {})
  }

  #start(): void {
    if (this.#draining) return
    this.#draining = true
    // Started a microtask later, so the writes of one synchronous burst (Promise.all of puts) share a group.
    queueMicrotask(() => void this.#drain())
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const head = this.#queue[0]!
        if (head.kind === 'exclusive') {
          this.#queue.shift()
          await head.run().then(head.resolve, (error: Error) => head.reject(error))
          continue
        }
        const group: Extract<Job, { kind: 'batch' }>[] = []
        let ops = 0
        for (;;) {
          const next = this.#queue[0]
          if (next?.kind !== 'batch') break
          if (group.length > 0 && ops + next.ops.length > MAX_GROUP_OPS) break
          ops += next.ops.length
          group.push(next)
          this.#queue.shift()
        }
        await this.#commit(group)
      }
    } finally {
      this.#draining = false
    }
  }

  async #commit(group: Extract<Job, { kind: 'batch' }>[]): Promise<void> {
    try {
      await this.#apply(collapse(group.map((job) => job.ops)))
      this.#groups++
      this.#batches += group.length
      for (const job of group) job.resolve()
      return
    } catch (error) {
      if (group.length === 1 || !refusesData(error)) {
        for (const job of group) job.reject(error as Error)
        return
      }
    }
    // PostgreSQL refused the group's data, so nothing of it committed (it was one statement); each batch
    // now commits, or fails, alone.
    for (const job of group) {
      try {
        await this.#apply(collapse([job.ops]))
        this.#groups++
        this.#batches++
        job.resolve()
      } catch (error) {
        job.reject(error as Error)
      }
    }
  }
}
