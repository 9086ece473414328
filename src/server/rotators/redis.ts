// Redis for the rotators: ACL users, whose passwords are set by ACL SETUSER as SHA-256 hashes (`#…`), never in clear.
import { createHash } from 'node:crypto'
import { createClient, type RedisClientType } from 'redis'
import type { Credentials, DatabaseDriver, Session } from './database.ts'

/** ACL SETUSER's `#<hash>` rule: Redis stores passwords as SHA-256, so the command never carries the password itself. */
function passwordRule(password: string): string {
  return `#${createHash('sha256').update(password, 'utf8').digest('hex')}`
}

/** A RESP2 flat [key, value, key, value…] reply (or a RESP3 map) as an object. */
function fieldsOf(reply: unknown): Record<string, unknown> {
  if (reply instanceof Map) return Object.fromEntries(reply)
  if (Array.isArray(reply)) {
    const out: Record<string, unknown> = {}
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1]
    return out
  }
  return typeof reply === 'object' && reply !== null ? (reply as Record<string, unknown>) : {}
}

/** Rules that are words of a string (Redis 7: "+@all -debug"), or a list of patterns with a prefix (Redis 6.2). */
function words(value: unknown, prefix: string): string[] {
  if (typeof value === 'string') return value.split(' ').filter((w) => w !== '')
  if (Array.isArray(value)) return value.map((p) => `${prefix}${String(p)}`)
  return []
}

/**
 * The ACL rules that give another user what ACL GETUSER shows for one: on/off, payload sanitising, key and
 * channel patterns, commands and selectors; never its passwords.
 */
export function aclRulesOf(getuser: unknown): string[] {
  const user = fieldsOf(getuser)
  const flags = words(user['flags'], '').filter((flag) =>
    ['on', 'off', 'sanitize-payload', 'skip-sanitize-payload'].includes(flag),
  )
  const rules = [...flags, ...words(user['keys'], '~'), 'resetchannels', ...words(user['channels'], '&')]
  rules.push(...words(user['commands'], ''))
  if (Array.isArray(user['selectors']))
    for (const selector of user['selectors']) {
      const s = fieldsOf(selector)
      rules.push(
        `(${[...words(s['commands'], ''), ...words(s['keys'], '~'), ...words(s['channels'], '&')].join(' ')})`,
      )
    }
  return rules
}

class RedisSession implements Session {
  readonly client: RedisClientType
  constructor(client: RedisClientType) {
    this.client = client
  }

  #command(args: string[]): Promise<unknown> {
    return this.client.sendCommand(args)
  }

  async check(): Promise<void> {
    await this.#command(['PING'])
  }

  /** The user needs the `acl|setuser` permission, which lets it change any user: prefer alternating users. */
  async changeOwnPassword(username: string, password: string): Promise<void> {
    await this.setPassword(username, password)
  }

  async userExists(username: string): Promise<boolean> {
    return (await this.#command(['ACL', 'GETUSER', username])) !== null
  }

  async createClone(original: string, clone: string, password: string): Promise<void> {
    const source = await this.#command(['ACL', 'GETUSER', original])
    if (source === null) throw Object.assign(new Error(`no user ${original}`), { code: 'NO_SUCH_USER' })
    // One ACL SETUSER applies all its rules or none, so a clone is never half made.
    await this.#command(['ACL', 'SETUSER', clone, 'reset', ...aclRulesOf(source), passwordRule(password)])
  }

  /** `resetpass` first: the user's other passwords stop working, as a password change does in SQL databases. */
  async setPassword(username: string, password: string): Promise<void> {
    await this.#command(['ACL', 'SETUSER', username, 'resetpass', passwordRule(password)])
  }

  /** Not needed: a clone is made by one ACL SETUSER, which Redis applies whole. */
  exclusively<T>(_key: string, work: () => Promise<T>): Promise<T> {
    return work()
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => this.client.destroy())
  }
}

export const redisDriver: DatabaseDriver = {
  label: 'Redis',
  engines: ['redis'],
  defaultPort: 6379,
  async login(credentials: Credentials): Promise<Session> {
    const client = createClient({
      socket: {
        host: credentials.host,
        port: credentials.port,
        connectTimeout: 10_000,
        reconnectStrategy: false,
      },
      username: credentials.username,
      password: credentials.password,
      disableOfflineQueue: true,
    }) as RedisClientType
    // Errors surface on connect() and on commands; the event itself must not crash the process.
    client.on('error', () => {})
    try {
      await client.connect()
    } catch (error) {
      client.destroy()
      throw error
    }
    return new RedisSession(client)
  },
}
