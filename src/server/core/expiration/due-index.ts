// A persistent "what is due when" index that keeps only the soon-due part in memory, so unseal never loads it all.
import { type Storage, type StorageOp, storageView } from '../../../sdk/storage.ts'

/*
 * Layout under the index's storage view: `<hour>/<second>/<dueMs>_<id>` → value.
 * Two folder levels keep every list small: unseal lists hour folders only (one index seek each in SQLite),
 * and an hour folder is opened (≤ 3,600 second folders) only when its time comes. Leases that expire in the
 * same second share a folder, which is loaded whole; memory therefore holds the leases due within the next
 * LOOKAHEAD plus whatever backlog is being worked off, bounded by MAX_LOADED entries.
 */

const HOUR_MS = 3_600_000
const SECOND_MS = 1_000
/** Load folders due this far ahead, so an expiry is never late because its folder was not read yet. */
const LOOKAHEAD_MS = 2_000
/** Stop loading further folders while this many entries wait in memory (a backlog after a long outage). */
const MAX_LOADED = 50_000

export interface DueItem {
  dueMs: number
  id: string
  value: string
  /** The storage key under the index's view; pass back to remove the item. */
  key: string
}

export function dueKey(dueMs: number, id: string): string {
  const hour = Math.floor(dueMs / HOUR_MS)
  const second = Math.floor(dueMs / SECOND_MS)
  return `${hour}/${second}/${String(dueMs).padStart(15, '0')}_${id}`
}

function parseKey(second: number, hour: number, name: string): { dueMs: number; id: string; key: string } {
  const cut = name.indexOf('_')
  return { dueMs: Number(name.slice(0, cut)), id: name.slice(cut + 1), key: `${hour}/${second}/${name}` }
}

export class DueIndex {
  readonly #storage: Storage
  readonly #prefix: string
  /** Hour folders not yet opened, ascending. */
  #hours: number[] = []
  /** Second folders of opened hours not yet loaded, ascending. */
  #seconds: { hour: number; second: number }[] = []
  /** Everything at or before this second is in memory (or already handled). */
  #loadedThrough = -1
  /** Hours are opened in ascending order; every hour up to this one has its second folders in #seconds. */
  #maxOpenedHour = -1
  /** Loaded items by key, and a min-heap over them by due time; removed items are skipped lazily. */
  readonly #live = new Map<string, DueItem>()
  #heap: DueItem[] = []

  /** `prefix` places the index inside `storage`, so its ops can join a caller's atomic batch there. */
  constructor(storage: Storage, prefix: string) {
    this.#storage = storageView(storage, prefix)
    this.#prefix = prefix
  }

  /** Reads the hour folders only; everything else is read when it falls due. */
  async open(): Promise<void> {
    const hours = await this.#storage.list('')
    this.#hours = hours
      .filter((name) => name.endsWith('/'))
      .map((name) => Number(name.slice(0, -1)))
      .filter((n) => Number.isFinite(n))
      .sort((a, b) => a - b)
  }

  get loadedCount(): number {
    return this.#live.size
  }

  /** The write that adds an item (a key of the storage given to the constructor); call `noteAdded` once durable. */
  putOp(dueMs: number, id: string, value: string): StorageOp {
    return { op: 'put', key: this.#prefix + dueKey(dueMs, id), value: Buffer.from(value) }
  }

  deleteOp(dueMs: number, id: string): StorageOp {
    return { op: 'delete', key: this.#prefix + dueKey(dueMs, id) }
  }

  /** Tell the in-memory schedule about an item now stored. */
  noteAdded(dueMs: number, id: string, value: string): void {
    const key = dueKey(dueMs, id)
    const second = Math.floor(dueMs / SECOND_MS)
    if (second <= this.#loadedThrough) {
      this.#push({ dueMs, id, value, key })
      return
    }
    const hour = Math.floor(dueMs / HOUR_MS)
    // A folder not yet known must be remembered, or the item would be found only after a restart.
    if (this.#seconds.some((s) => s.second === second)) return
    if (hour <= this.#maxOpenedHour) insertSorted(this.#seconds, { hour, second }, (s) => s.second)
    else if (!this.#hours.includes(hour)) insertSorted(this.#hours, hour, (h) => h)
  }

  noteRemoved(dueMs: number, id: string): void {
    this.#live.delete(dueKey(dueMs, id))
  }

  /** Items due at or before `nowMs`, earliest first, at most `limit`; they stay indexed until removed. */
  async takeDue(nowMs: number, limit: number): Promise<DueItem[]> {
    await this.#loadUntil(nowMs + LOOKAHEAD_MS)
    const out: DueItem[] = []
    while (out.length < limit && this.#heap.length > 0) {
      const top = this.#heap[0]!
      if (this.#live.get(top.key) !== top) {
        this.#pop()
        continue
      }
      if (top.dueMs > nowMs) break
      this.#pop()
      this.#live.delete(top.key)
      out.push(top)
      // Keep the backlog flowing: when memory drained, more overdue folders may be waiting.
      if (this.#heap.length === 0) await this.#loadUntil(nowMs + LOOKAHEAD_MS)
    }
    return out
  }

  /** The earliest known due time in memory, for tests and status. */
  nextDue(): number | undefined {
    while (this.#heap.length > 0 && this.#live.get(this.#heap[0]!.key) !== this.#heap[0]) this.#pop()
    return this.#heap[0]?.dueMs
  }

  async #loadUntil(untilMs: number): Promise<void> {
    const untilSecond = Math.floor(untilMs / SECOND_MS)
    const untilHour = Math.floor(untilMs / HOUR_MS)
    while (this.#live.size < MAX_LOADED) {
      // Open hour folders in order until one has second folders due by `untilMs`.
      if (this.#seconds.length === 0 || this.#seconds[0]!.second > untilSecond) {
        const nextHour = this.#hours[0]
        if (nextHour === undefined || nextHour > untilHour) break
        this.#hours.shift()
        this.#maxOpenedHour = Math.max(this.#maxOpenedHour, nextHour)
        for (const name of await this.#storage.list(`${nextHour}/`)) {
          if (!name.endsWith('/')) continue
          const second = Number(name.slice(0, -1))
          // Seconds already covered were written after loadedThrough passed them, so they are in memory.
          if (Number.isFinite(second) && second > this.#loadedThrough)
            insertSorted(this.#seconds, { hour: nextHour, second }, (s) => s.second)
        }
        continue
      }
      const { hour, second } = this.#seconds.shift()!
      for (const name of await this.#storage.list(`${hour}/${second}/`)) {
        if (name.endsWith('/')) continue
        const parsed = parseKey(second, hour, name)
        const raw = await this.#storage.get(parsed.key)
        if (raw === undefined) continue
        this.#push({ ...parsed, value: Buffer.from(raw).toString('utf8') })
      }
      this.#loadedThrough = Math.max(this.#loadedThrough, second)
    }
    // Seconds with nothing stored are loaded by definition; new items in them go straight to memory.
    const pendingFirst = this.#seconds[0]?.second ?? Number.POSITIVE_INFINITY
    const hourFirst =
      this.#hours[0] !== undefined ? (this.#hours[0] * HOUR_MS) / SECOND_MS : Number.POSITIVE_INFINITY
    if (this.#live.size < MAX_LOADED)
      this.#loadedThrough = Math.max(
        this.#loadedThrough,
        Math.min(untilSecond, pendingFirst - 1, hourFirst - 1),
      )
  }

  #push(item: DueItem): void {
    this.#live.set(item.key, item)
    const heap = this.#heap
    heap.push(item)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]!.dueMs <= item.dueMs) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = item
  }

  #pop(): void {
    const heap = this.#heap
    const last = heap.pop()!
    if (heap.length === 0) return
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= heap.length) break
      const right = left + 1
      const child = right < heap.length && heap[right]!.dueMs < heap[left]!.dueMs ? right : left
      if (heap[child]!.dueMs >= last.dueMs) break
      heap[i] = heap[child]!
      i = child
    }
    heap[i] = last
  }
}

function insertSorted<T>(list: T[], item: T, keyOf: (value: T) => number): void {
  const k = keyOf(item)
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (keyOf(list[mid]!) < k) lo = mid + 1
    else hi = mid
  }
  list.splice(lo, 0, item)
}
