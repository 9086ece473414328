// In-memory physical storage: for tests and for `server -dev -dev-inmem`; nothing survives the process.
import type { StorageOp } from '../../sdk/storage.ts'
import type { PhysicalStorage, StoredEntry } from './physical.ts'
import { collectEntries, sortedByKey } from './whole-store.ts'

export class MemoryStorage implements PhysicalStorage {
  #entries = new Map<string, Uint8Array>()
  /** Set while replaceAll gathers its entries: writes made meanwhile wait for the replace, then follow it. */
  #replacing: Promise<void> | undefined

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = this.#entries.get(key)
    return value === undefined ? undefined : value.slice()
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    const copy = value.slice()
    if (this.#replacing) await this.#replacing
    this.#entries.set(key, copy)
  }

  async delete(key: string): Promise<void> {
    if (this.#replacing) await this.#replacing
    this.#entries.delete(key)
  }

  async list(prefix: string): Promise<string[]> {
    const out = new Set<string>()
    for (const key of this.#entries.keys()) {
      if (!key.startsWith(prefix)) continue
      const rest = key.slice(prefix.length)
      const slash = rest.indexOf('/')
      out.add(slash === -1 ? rest : rest.slice(0, slash + 1))
    }
    return [...out].sort()
  }

  async batch(ops: StorageOp[]): Promise<void> {
    const copies = ops.map((op): StorageOp => (op.op === 'put' ? { ...op, value: op.value.slice() } : op))
    if (this.#replacing) await this.#replacing
    for (const op of copies) {
      if (op.op === 'put') this.#entries.set(op.key, op.value)
      else this.#entries.delete(op.key)
    }
  }

  /** Every entry as of the first step: the map's values are never changed in place, so holding them is a copy. */
  async *entries(): AsyncGenerator<StoredEntry> {
    const held = this.#entries
    const keys = sortedByKey([...held.keys()])
    const values = keys.map((key) => held.get(key)!)
    for (let i = 0; i < keys.length; i++) yield { key: keys[i]!, value: values[i]!.slice() }
  }

  replaceAll(entries: AsyncIterable<StoredEntry>): Promise<void> {
    const previous = this.#replacing ?? Promise.resolve()
    const run = previous.then(async () => {
      const next = new Map<string, Uint8Array>()
      for (const entry of await collectEntries(entries)) next.set(entry.key, entry.value)
      this.#entries = next
    })
    const gate = run.then(
      () => undefined,
      () => undefined,
    )
    this.#replacing = gate
    void gate.then(() => {
      if (this.#replacing === gate) this.#replacing = undefined
    })
    return run
  }

  async close(): Promise<void> {}
}
