// The operator's event sinks, built from their config blocks and fed every matching event the bus publishes.
import type { Logger } from '../../lib/logger.ts'
import type { EventSinkConfig } from '../config/event-sink-config.ts'
import { eventTypeMatches } from '../policy/event-type-pattern.ts'
import { amqpTransport } from './amqp-transport.ts'
import { mqttTransport } from './mqtt-transport.ts'
import { natsTransport } from './nats-transport.ts'
import { EventSink, type SinkStatus, type SinkTransport } from './sink.ts'
import { webhookTransport } from './webhook-transport.ts'

/** What the sinks need of the bus: each event's id, type and JSON envelope, in publication order. */
export interface EventSource {
  subscribe(listener: (event: { id: string; type: string; json: string }) => void): () => void
}

export interface RunningSinks {
  status(): SinkStatus[]
  /** Resolves once every sink has delivered (or dropped) what it was given so far. */
  drained(): Promise<void>
  close(): Promise<void>
}

function transportFor(config: EventSinkConfig): SinkTransport {
  switch (config.type) {
    case 'webhook':
      return webhookTransport({
        url: config.url,
        hmacSecret: config.hmacSecret,
        timeoutMs: config.timeout * 1000,
        ...(config.ca ? { ca: config.ca } : {}),
      })
    case 'nats':
      return natsTransport({
        address: config.address,
        subjectPrefix: config.subjectPrefix,
        auth: {
          ...(config.username !== undefined ? { user: config.username } : {}),
          ...(config.password !== undefined ? { pass: config.password } : {}),
          ...(config.token !== undefined ? { token: config.token } : {}),
        },
        connectTimeoutMs: config.timeout * 1000,
      })
    case 'rabbitmq':
      return amqpTransport({
        url: config.url,
        exchange: config.exchange,
        connectTimeoutMs: config.timeout * 1000,
      })
    case 'mqtt':
      return mqttTransport({
        address: config.address,
        topicPrefix: config.topicPrefix,
        auth: {
          ...(config.username !== undefined ? { username: config.username } : {}),
          ...(config.password !== undefined ? { password: config.password } : {}),
        },
        connectTimeoutMs: config.timeout * 1000,
      })
  }
}

/** Start the configured sinks; they connect lazily, on their first event, and reconnect after any failure. */
export function startSinks(source: EventSource, configs: EventSinkConfig[], logger: Logger): RunningSinks {
  const sinks = configs.map((config) => ({
    config,
    sink: new EventSink({
      name: config.name,
      transport: transportFor(config),
      queueSize: config.queueSize,
      attemptTimeoutMs: config.timeout * 1000,
      logger: logger.child({ component: 'event-sink' }),
    }),
  }))
  const unsubscribe =
    sinks.length === 0
      ? () => {}
      : source.subscribe((event) => {
          for (const { config, sink } of sinks)
            if (config.eventTypes.some((pattern) => eventTypeMatches(pattern, event.type)))
              sink.offer({ id: event.id, type: event.type, body: event.json })
        })
  return {
    status: () => sinks.map(({ sink }) => sink.status()),
    drained: async () => {
      await Promise.all(sinks.map(({ sink }) => sink.drained()))
    },
    close: async () => {
      unsubscribe()
      await Promise.all(sinks.map(({ sink }) => sink.close()))
    },
  }
}
