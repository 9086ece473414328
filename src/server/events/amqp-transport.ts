// RabbitMQ sink transport (`amqplib`): persistent messages on a durable topic exchange, routing key per event type, resolved by the publisher confirm.
import amqp, { type ConfirmChannel } from 'amqplib'
import { brokerConnection, lossSignal } from './broker-connection.ts'
import type { SinkMessage, SinkTransport } from './sink.ts'

export interface AmqpSinkOptions {
  /** amqp:// or amqps://user:password@host:port/vhost; never logged. */
  url: string
  exchange: string
  connectTimeoutMs: number
}

/** kv-v2/data-write → kv-v2.data-write: topic exchanges match dot-separated words (bind with kv-v2.# or #). */
export function amqpRoutingKey(eventType: string): string {
  return eventType.replaceAll('/', '.')
}

/** The URL's userinfo, so no error repeats it. */
function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url)
    return [decodeURIComponent(u.password), u.password, url]
  } catch {
    return [url]
  }
}

export function amqpTransport(opts: AmqpSinkOptions): SinkTransport {
  const connection = brokerConnection<ConfirmChannel>(async () => {
    const conn = await amqp.connect(opts.url, { timeout: opts.connectTimeoutMs })
    // Errors after the connection is up arrive as events; an unhandled one would end the process.
    conn.on('error', () => undefined)
    try {
      const channel = await conn.createConfirmChannel()
      channel.on('error', () => undefined)
      await channel.assertExchange(opts.exchange, 'topic', { durable: true })
      return {
        client: channel,
        lost: lossSignal((lost) => {
          conn.once('close', () => lost('RabbitMQ connection closed'))
          channel.once('close', () => lost('RabbitMQ channel closed'))
        }),
        close: () => conn.close(),
      }
    } catch (error) {
      await conn.close().catch(() => undefined)
      throw error
    }
  }, urlSecrets(opts.url))
  return {
    deliver: (message: SinkMessage) =>
      connection.use(
        (channel) =>
          new Promise<void>((resolve, reject) => {
            // On a confirm channel the callback runs when the broker acks (or nacks) this message.
            channel.publish(
              opts.exchange,
              amqpRoutingKey(message.type),
              Buffer.from(message.body),
              {
                persistent: true,
                messageId: message.id,
                type: message.type,
                contentType: 'application/cloudevents+json',
              },
              (error) => (error ? reject(new Error('the broker refused the message (nack)')) : resolve()),
            )
          }),
      ),
    reset: () => connection.reset(),
    close: () => connection.close(),
  }
}
