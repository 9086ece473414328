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

  /**
   * The mount `path` would nest inside (the most specific one), else one it would contain; Vault refuses both and
   * names them in that order (its router's MountConflict).
   */
  conflicts(path: string): string | undefined {
    const over = this.#ordered.find((existing) => path.startsWith(existing))
    return over ?? this.#ordered.find((existing) => existing.startsWith(path))
  }

  /** The mount with this UUID, wherever it is mounted now. */
  byUuid(uuid: string): { entry: MountEntry; backend: BackendInstance } | undefined {
    for (const mount of this.#mounts.values()) if (mount.entry.uuid === uuid) return mount
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
