// One open pool per config, reopened when the config changes and closed (once its calls finish) on reset, delete and unmount.
import { errorMessage } from '../../../lib/error-message.ts'
import { InvalidRequestError, UpstreamError } from '../../../sdk/errors.ts'
import { type DbConfig, pluginFor, settingsOf } from './model.ts'
import type { DatabaseConnection } from './plugins/plugin.ts'

interface Open {
  connection: DatabaseConnection
  /** The config it was opened with, compared as JSON so any change (a rotated root password) reopens it. */
  fingerprint: string
  /** Calls running on it now; a close waits for them, as Vault's takes the connection's write lock. */
  users: number
  /** Set by a close waiting for `users` to reach 0. */
  drained?: () => void
}

/** Thrown by `use` when the config was closed (rewritten, reset or deleted) after the caller read it. */
export class StaleConfigError extends Error {}

export class Connections {
  readonly #open = new Map<string, Open>()
  /** Bumped by every close of a name: a caller that read its config before a close must not reopen the pool. */
  readonly #generations = new Map<string, number>()
  #shut = false

  /** Read before the config, and handed to `use`, which refuses the config if the name was closed meanwhile. */
  generation(name: string): number {
    return this.#generations.get(name) ?? 0
  }

  /**
   * Run `fn` on the open connection for `name` (opened, or reopened if the config changed). A reset, rewrite or
   * delete of the config closes the pool only once every call already running on it has finished: closed under
   * them, pg's pool never serves the checkouts still queued, and each hung until its connect timeout and failed.
   */
  async use<T>(
    name: string,
    config: DbConfig,
    fn: (connection: DatabaseConnection) => Promise<T>,
    generation?: number,
  ): Promise<T> {
    const open = await this.#acquire(name, config)
    try {
      // Checked once the pool is held (a close waits for its users): a config read before a rewrite, reset or delete
      // would otherwise reopen a pool nobody closes, or act on a database the config no longer names.
      if (generation !== undefined && this.generation(name) !== generation) throw new StaleConfigError()
      return await fn(open.connection)
    } finally {
      if (--open.users === 0) open.drained?.()
    }
  }

  /** The open entry with this config, counted as in use before anything else can run. */
  async #acquire(name: string, config: DbConfig): Promise<Open> {
    const fingerprint = JSON.stringify(config)
    for (;;) {
      // After closeAll (the mount is being disabled, or sealed) a request still in flight opens nothing: a pool
      // opened now would never be closed, and a user created through it would outlive its mount.
      if (this.#shut) throw new UpstreamError('the database connections of this mount are closed')
      const current = this.#open.get(name)
      if (current === undefined) break
      if (current.fingerprint === fingerprint) {
        current.users++
        return current
      }
      // Looked up again after the close: another caller may have opened the new config meanwhile.
      await this.#close(name)
    }
    const open: Open = {
      connection: pluginFor(config.plugin_name).open(settingsOf(config)),
      fingerprint,
      users: 1,
    }
    this.#open.set(name, open)
    return open
  }

  /** Close the pool of `name`, and make every caller that read its config before now read it again. */
  async close(name: string): Promise<void> {
    this.#generations.set(name, this.generation(name) + 1)
    await this.#close(name)
  }

  async #close(name: string): Promise<void> {
    const current = this.#open.get(name)
    if (current === undefined) return
    this.#open.delete(name)
    if (current.users > 0)
      await new Promise<void>((resolve) => {
        current.drained = resolve
      })
    await current.connection.close().catch(() => {})
  }

  /** Close every pool for good: the mount is going away. */
  async closeAll(): Promise<void> {
    this.#shut = true
    await Promise.all([...this.#open.keys()].map((name) => this.close(name)))
  }
}

/**
 * A driver error as an AppError with every secret scrubbed from its message: a malformed setting stays a 400,
 * anything the database answered or failed to answer is a 502.
 */
export function databaseError(error: unknown, secrets: (string | undefined)[], what: string): Error {
  if (
    error instanceof InvalidRequestError ||
    error instanceof UpstreamError ||
    error instanceof StaleConfigError
  )
    return error
  let message = errorMessage(error)
  for (const secret of secrets) {
    if (secret && secret.length >= 3) {
      message = message.split(secret).join('[redacted]')
      message = message.split(encodeURIComponent(secret)).join('[redacted]')
    }
  }
  return new UpstreamError(`${what}: ${message}`)
}
