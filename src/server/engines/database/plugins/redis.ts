// Redis plugin (redis-database-plugin): ACL users via ACL SETUSER, with the role's JSON list of ACL rules.
import { createClient, type RedisClientType } from 'redis'
import { InvalidRequestError } from '../../../../sdk/errors.ts'
import type { ConnectionSettings, DatabaseConnection, DatabasePlugin, NewUser } from './plugin.ts'

/** A role's creation statements: one JSON list of ACL rules, e.g. `["~*", "+@read"]` (several lists are joined). */
export function aclRules(statements: string[]): string[] {
  const rules: string[] = []
  for (const statement of statements) {
    let parsed: unknown
    try {
      // A JSON list of rules, or (a list already split by the field parser) one plain rule.
      parsed = statement.trim().startsWith('[') ? JSON.parse(statement) : [statement.trim()]
    } catch {
      throw new InvalidRequestError(
        'redis creation_statements must be a JSON list of ACL rules, e.g. ["~*", "+@read"]',
      )
    }
    if (!Array.isArray(parsed) || parsed.some((rule) => typeof rule !== 'string'))
      throw new InvalidRequestError(
        'redis creation_statements must be a JSON list of ACL rules, e.g. ["~*", "+@read"]',
      )
    // Passwords come only from Coffer: a rule that sets one, or makes the user passwordless, is refused.
    for (const rule of parsed as string[]) {
      if (rule === '' || /\s/.test(rule))
        throw new InvalidRequestError('a redis ACL rule is one word, e.g. "+@read" or "~app:*"')
      if (/^[><#!]/.test(rule) || rule === 'nopass' || rule === 'resetpass')
        throw new InvalidRequestError(
          `redis ACL rule "${rule.slice(0, 1)}…" would set a password; passwords are generated`,
        )
      rules.push(rule)
    }
  }
  return rules
}

const DEFAULT_RULES = ['~*', '+@read']

class RedisConnection implements DatabaseConnection {
  readonly #client: RedisClientType
  #connecting: Promise<unknown> | undefined

  constructor(settings: ConnectionSettings) {
    this.#client = createClient({
      socket: {
        host: settings.host,
        port: settings.port,
        connectTimeout: 10_000,
        // A few quick retries, then the command fails with the driver's error instead of waiting forever.
        reconnectStrategy: (retries) => (retries >= 3 ? new Error('could not reach Redis') : 200),
        ...(settings.tls
          ? {
              tls: true as const,
              rejectUnauthorized: !settings.insecureTls,
              ...(settings.caCert ? { ca: settings.caCert } : {}),
            }
          : {}),
      },
      ...(settings.username ? { username: settings.username } : {}),
      ...(settings.password ? { password: settings.password } : {}),
      disableOfflineQueue: true,
    }) as RedisClientType
    // Errors surface on the command that needs the connection; the event itself must not crash the process.
    this.#client.on('error', () => {})
  }

  async #ready(): Promise<RedisClientType> {
    if (!this.#client.isOpen) {
      this.#connecting ??= this.#client.connect().finally(() => {
        this.#connecting = undefined
      })
      await this.#connecting
    }
    return this.#client
  }

  async #command(args: string[]): Promise<unknown> {
    return (await this.#ready()).sendCommand(args)
  }

  async verify(): Promise<void> {
    await this.#command(['PING'])
  }

  async newUser(user: NewUser): Promise<void> {
    // Vault's Redis plugin (and OpenBao's valkey fork): a role without rules may read every key.
    const rules = user.statements.length > 0 ? aclRules(user.statements) : DEFAULT_RULES
    await this.#command(['ACL', 'SETUSER', user.username, 'on', `>${user.password}`, ...rules])
  }

  async renewUser(): Promise<void> {
    // Redis users carry no expiry; the lease's revocation removes them.
  }

  async deleteUser(username: string, statements: string[]): Promise<void> {
    if (statements.length > 0) aclRules(statements)
    // ACL DELUSER also disconnects every client authenticated as that user.
    await this.#command(['ACL', 'DELUSER', username])
  }

  async setPassword(username: string, password: string): Promise<void> {
    const exists = await this.#command(['ACL', 'GETUSER', username])
    if (exists === null) throw new Error(`redis user "${username}" does not exist`)
    await this.#command(['ACL', 'SETUSER', username, 'resetpass', `>${password}`])
  }

  async close(): Promise<void> {
    if (this.#client.isOpen) await this.#client.close().catch(() => this.#client.destroy())
  }
}

export const redisPlugin: DatabasePlugin = {
  kind: 'redis',
  defaultUsernameTemplate:
    '{{ printf "V_%s_%s_%s_%s" (.DisplayName | uppercase | truncate 10) (.RoleName | uppercase | truncate 10) (random 20 | uppercase) (unix_time) | truncate 32 }}',
  validate(settings) {
    if (settings.host.trim() === '') throw new InvalidRequestError('host cannot be empty')
    if (!Number.isInteger(settings.port) || settings.port <= 0 || settings.port > 65535)
      throw new InvalidRequestError('port must be between 1 and 65535')
  },
  open: (settings) => new RedisConnection(settings),
}
