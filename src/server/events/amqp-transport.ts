// RabbitMQ sink transport: persistent messages on a durable topic exchange, routing key per event type, resolved by publisher confirms.
import { AmqpConnection } from './amqp-client.ts'
import type { SinkMessage, SinkTransport } from './sink.ts'

export interface AmqpSinkOptions {
  /** amqp://user:password@host:5672/vhost; never logged. */
  url: string
  exchange: string
}

/** kv-v2/data-write → kv-v2.data-write: topic exchanges match dot-separated words (bind with kv-v2.# or #). */
export function amqpRoutingKey(eventType: string): string {
  return eventType.replaceAll('/', '.')
}

export function amqpTransport(opts: AmqpSinkOptions): SinkTransport {
  let connection: Promise<AmqpConnection> | undefined
  const connect = async () => {
    const amqp = await AmqpConnection.connect(opts.url)
    try {
      await amqp.declareTopicExchange(opts.exchange)
      await amqp.confirmSelect()
    } catch (error) {
      amqp.close()
      throw error
    }
    return amqp
  }
  const reset = () => {
    const old = connection
    connection = undefined
    old?.then((c) => c.close()).catch(() => undefined)
  }
  return {
    deliver: async (message: SinkMessage) => {
      connection ??= connect()
      const amqp = await connection
      await amqp.publish(opts.exchange, amqpRoutingKey(message.type), Buffer.from(message.body), {
        messageId: message.id,
        type: message.type,
      })
    },
    reset,
    close: async () => reset(),
  }
}
