// Longest-prefix routing from a request path to the mounted backend instance.
import type { BackendInstance } from '../../sdk/framework/backend.ts'
import type { MountEntry } from './mount-table.ts'

export interface RouteMatch {
  entry: MountEntry
  backend: BackendInstance
  /** The path relative to the mount. */
  relativePath: string
}

export class Router {
  readonly #mounts = new Map<string, { entry: MountEntry; backend: BackendInstance }>()
  /** Mount paths, longest first, so the first prefix hit is the most specific. */
  #ordered: string[] = []

  add(entry: MountEntry, backend: BackendInstance): void {
    this.#mounts.set(entry.path, { entry, backend })
    this.#reorder()
  }

  remove(path: string): { entry: MountEntry; backend: BackendInstance } | undefined {
    const found = this.#mounts.get(path)
    this.#mounts.delete(path)
    this.#reorder()
    return found
  }

  get(path: string): { entry: MountEntry; backend: BackendInstance } | undefined {
    return this.#mounts.get(path)
  }

  entries(): MountEntry[] {
    return [...this.#mounts.values()].map((m) => m.entry)
  }

  /** True when `path` would nest inside an existing mount or contain one; Vault refuses both. */
  conflicts(path: string): string | undefined {
    for (const existing of this.#mounts.keys()) {
      if (path.startsWith(existing) || existing.startsWith(path)) return existing
    }
    return undefined
  }

  match(path: string): RouteMatch | undefined {
    for (const prefix of this.#ordered) {
      // "secret" (a list of the mount root without its slash) routes to "secret/".
      if (path.startsWith(prefix) || path === prefix.slice(0, -1)) {
        const mount = this.#mounts.get(prefix)!
        return { entry: mount.entry, backend: mount.backend, relativePath: path.slice(prefix.length) }
      }
    }
    return undefined
  }

  clear(): void {
    this.#mounts.clear()
    this.#ordered = []
  }

  #reorder(): void {
    this.#ordered = [...this.#mounts.keys()].sort((a, b) => b.length - a.length)
  }
}
