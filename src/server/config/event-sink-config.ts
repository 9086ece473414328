// `event_sink "<type>" { ... }` blocks: where the server sends change events (webhook, nats, rabbitmq, mqtt).
import { readFileSync } from 'node:fs'

interface SinkCommon {
  /** For logs; defaults to the type (and its position when there are several). */
  name: string
  /** Event type patterns (`*` globs) this sink receives; every type when absent. */
  eventTypes: string[]
  /** Messages kept while the sink is unreachable; past it the oldest are dropped and counted. */
  queueSize: number
  /** Seconds before one delivery attempt is abandoned and retried. */
  timeout: number
}

export type EventSinkConfig = SinkCommon &
  (
    | { type: 'webhook'; url: string; hmacSecret: string; ca?: string }
    | {
        type: 'nats'
        address: string
        subjectPrefix: string
        username?: string
        password?: string
        token?: string
      }
    | { type: 'rabbitmq'; url: string; exchange: string }
    | { type: 'mqtt'; address: string; topicPrefix: string; username?: string; password?: string }
  )

export interface EventSinkParsers {
  fail(key: string, problem: string): never
  duration(value: unknown, where: string): number
}

const COMMON_KEYS = ['name', 'event_types', 'queue_size', 'timeout']
const KEYS: Record<EventSinkConfig['type'], string[]> = {
  webhook: ['url', 'hmac_secret', 'ca_file'],
  nats: ['address', 'subject_prefix', 'username', 'password', 'token'],
  rabbitmq: ['url', 'exchange'],
  mqtt: ['address', 'topic_prefix', 'username', 'password'],
}
const DEFAULT_QUEUE_SIZE = 10_000
const DEFAULT_TIMEOUT = 10

export function parseEventSinks(
  sections: { type: string; body: Record<string, unknown> }[],
  p: EventSinkParsers,
): EventSinkConfig[] {
  return sections.map((section, i) => {
    const type = section.type as EventSinkConfig['type']
    const where = `event_sink.${section.type}${sections.length > 1 ? `[${i}]` : ''}`
    if (!Object.hasOwn(KEYS, type))
      p.fail(where, 'unsupported event sink type (use webhook, nats, rabbitmq or mqtt)')
    const body = section.body
    const allowed = [...COMMON_KEYS, ...KEYS[type]]
    for (const key of Object.keys(body))
      if (!allowed.includes(key))
        p.fail(where, `unknown key ${JSON.stringify(key)} (supported: ${allowed.join(', ')})`)
    const str = (key: string, fallback?: string): string => {
      const value = body[key]
      if (value === undefined || value === '') {
        if (fallback !== undefined) return fallback
        p.fail(`${where}.${key}`, 'is required')
      }
      if (typeof value !== 'string') p.fail(`${where}.${key}`, 'must be a string')
      return value
    }
    const optional = (key: string): Record<string, string> =>
      body[key] === undefined ? {} : { [camel(key)]: str(key) }
    const queueSize = body['queue_size'] === undefined ? DEFAULT_QUEUE_SIZE : Number(body['queue_size'])
    if (!Number.isSafeInteger(queueSize) || queueSize < 1)
      p.fail(`${where}.queue_size`, 'must be a whole number of at least 1')
    const eventTypes = body['event_types'] === undefined ? ['*'] : body['event_types']
    if (!Array.isArray(eventTypes) || !eventTypes.every((t) => typeof t === 'string' && t !== ''))
      p.fail(`${where}.event_types`, 'must be a list of event type patterns such as ["kv-v2/*"]')
    const timeout =
      body['timeout'] === undefined ? DEFAULT_TIMEOUT : p.duration(body['timeout'], `${where}.timeout`)
    if (timeout <= 0) p.fail(`${where}.timeout`, 'must be positive')
    const common: SinkCommon = {
      name: body['name'] === undefined ? `${type}${sections.length > 1 ? `-${i}` : ''}` : str('name'),
      eventTypes,
      queueSize,
      timeout,
    }
    switch (type) {
      case 'webhook': {
        const url = str('url')
        let protocol = ''
        try {
          protocol = new URL(url).protocol
        } catch {}
        // The URL is not repeated: it may carry credentials.
        if (protocol !== 'https:') p.fail(`${where}.url`, 'must be an https:// URL')
        const hmacSecret = str('hmac_secret')
        if (hmacSecret.length < 16) p.fail(`${where}.hmac_secret`, 'must be at least 16 characters')
        let ca: string | undefined
        if (body['ca_file'] !== undefined) {
          try {
            ca = readFileSync(str('ca_file'), 'utf8')
          } catch {
            p.fail(`${where}.ca_file`, 'cannot be read')
          }
        }
        return { ...common, type, url, hmacSecret, ...(ca ? { ca } : {}) }
      }
      case 'nats':
        return {
          ...common,
          type,
          address: brokerAddress(str('address', '127.0.0.1:4222'), ['nats', 'tls'], `${where}.address`, p),
          subjectPrefix: str('subject_prefix', 'coffer.events'),
          ...optional('username'),
          ...optional('password'),
          ...optional('token'),
        }
      case 'rabbitmq': {
        const url = str('url')
        // The URL is not repeated: it carries the password.
        if (!/^amqps?:\/\//.test(url)) p.fail(`${where}.url`, 'must be an amqp:// or amqps:// URL')
        return { ...common, type, url, exchange: str('exchange', 'coffer.events') }
      }
      case 'mqtt':
        return {
          ...common,
          type,
          address: brokerAddress(str('address', '127.0.0.1:1883'), ['mqtt', 'mqtts'], `${where}.address`, p),
          topicPrefix: str('topic_prefix', 'coffer/events'),
          ...optional('username'),
          ...optional('password'),
        }
      default:
        return p.fail(where, 'unsupported event sink type')
    }
  })
}

/** host:port, or a URL with one of the schemes the client takes (the TLS one included). */
function brokerAddress(address: string, schemes: string[], where: string, p: EventSinkParsers): string {
  const scheme = /^([a-z]+):\/\//.exec(address)?.[1]
  if (scheme !== undefined && !schemes.includes(scheme))
    p.fail(where, `must be host:port or a ${schemes.map((s) => `${s}://`).join(' or ')} URL`)
  return address
}

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
}
