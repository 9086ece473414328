// One open pool per config, reopened when the config changes and closed on reset, delete and unmount.
import { errorMessage } from '../../../lib/error-message.ts'
import { InvalidRequestError, UpstreamError } from '../../../sdk/errors.ts'
import { type DbConfig, pluginFor, settingsOf } from './model.ts'
import type { DatabaseConnection } from './plugins/plugin.ts'

interface Open {
  connection: DatabaseConnection
  /** The config it was opened with, compared as JSON so any change (a rotated root password) reopens it. */
  fingerprint: string
}

export class Connections {
  readonly #open = new Map<string, Open>()

  async get(name: string, config: DbConfig): Promise<DatabaseConnection> {
    const fingerprint = JSON.stringify(config)
    const current = this.#open.get(name)
    if (current?.fingerprint === fingerprint) return current.connection
    if (current) await this.close(name)
    const connection = pluginFor(config.plugin_name).open(settingsOf(config))
    this.#open.set(name, { connection, fingerprint })
    return connection
  }

  async close(name: string): Promise<void> {
    const current = this.#open.get(name)
    this.#open.delete(name)
    await current?.connection.close().catch(() => {})
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#open.keys()].map((name) => this.close(name)))
  }
}

/**
 * A driver error as an AppError with every secret scrubbed from its message: a malformed setting stays a 400,
 * anything the database answered or failed to answer is a 502.
 */
export function databaseError(error: unknown, secrets: (string | undefined)[], what: string): Error {
  if (error instanceof InvalidRequestError || error instanceof UpstreamError) return error
  let message = errorMessage(error)
  for (const secret of secrets) {
    if (secret && secret.length >= 3) {
      message = message.split(secret).join('[redacted]')
      message = message.split(encodeURIComponent(secret)).join('[redacted]')
    }
  }
  return new UpstreamError(`${what}: ${message}`)
}
