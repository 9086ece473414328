// In-memory physical storage: for tests and for `server -dev -dev-inmem`; nothing survives the process.
import type { Storage, StorageOp } from '../../sdk/storage.ts'

export class MemoryStorage implements Storage {
  readonly #entries = new Map<string, Uint8Array>()

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = this.#entries.get(key)
    return value === undefined ? undefined : value.slice()
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.#entries.set(key, value.slice())
  }

  async delete(key: string): Promise<void> {
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
    for (const op of ops) {
      if (op.op === 'put') this.#entries.set(op.key, op.value.slice())
      else this.#entries.delete(op.key)
    }
  }

  async close(): Promise<void> {}
}
