// Which paths hold static secrets: the KV mount (and its version) behind a path, asked once per mount through
// sys/internal/ui/mounts/<path>, as `vault kv` does, so only KV reads are ever cached as static secrets.
import { ConnectionError, type VaultClient } from '../../client/index.ts'

export interface KvMount {
  /** The mount path with its trailing slash, e.g. `secret/`. */
  mount: string
  version: 1 | 2
}

export class KvMounts {
  readonly #client: VaultClient
  /** mount path -> its KV version, or 0 for a mount of another type. */
  readonly #known = new Map<string, 0 | 1 | 2>()

  constructor(client: VaultClient) {
    this.#client = client
  }

  /** The KV mount a known path is under, without asking the server (for invalidating writes). */
  known(path: string): KvMount | undefined {
    for (const [mount, version] of this.#known)
      if (version !== 0 && path.startsWith(mount)) return { mount, version }
    return undefined
  }

  /** The KV mount behind `path`, asked with the requester's token; undefined for other mounts or on any error. */
  async lookup(path: string, token: string): Promise<KvMount | undefined> {
    for (const [mount, version] of this.#known)
      if (path.startsWith(mount)) return version === 0 ? undefined : { mount, version }
    try {
      const res = await this.#client.request('GET', `sys/internal/ui/mounts/${path}`, {
        headers: { 'X-Vault-Token': token },
      })
      const data = res.body?.data as
        | { path?: unknown; type?: unknown; options?: { version?: unknown } }
        | undefined
      if (typeof data?.path !== 'string' || data.path === '') return undefined
      const version = data.type !== 'kv' ? 0 : String(data.options?.version ?? '1') === '2' ? 2 : 1
      this.#known.set(data.path, version)
      return version === 0 ? undefined : { mount: data.path, version }
    } catch (error) {
      if (error instanceof ConnectionError) throw error
      return undefined
    }
  }

  /** Mounts may have been moved or retuned while the agent was not listening. */
  forget(): void {
    this.#known.clear()
  }
}

/** The path a KV read is cached under, or undefined when the request is not a plain KV read (lists, metadata). */
export function staticDataPath(kv: KvMount, path: string): string | undefined {
  const rest = path.slice(kv.mount.length)
  if (rest === '' || rest.endsWith('/')) return undefined
  if (kv.version === 1) return path
  return rest.startsWith('data/') && rest.length > 'data/'.length ? path : undefined
}

/**
 * The cached paths a change to `path` (a write, delete or metadata change through the proxy) makes stale: the
 * path itself, and for KV v2 the `data/` path of the same key; a mount's `config` touches every key under it.
 */
export function pathsChangedBy(kv: KvMount | undefined, path: string): { exact: string[]; prefix?: string } {
  if (!kv || kv.version === 1) return { exact: [path] }
  const rest = path.slice(kv.mount.length)
  if (rest === 'config') return { exact: [path], prefix: kv.mount }
  const match = /^(data|metadata|delete|undelete|destroy|subkeys)\/(.+)$/.exec(rest)
  return { exact: match ? [path, `${kv.mount}data/${match[2]}`] : [path] }
}
