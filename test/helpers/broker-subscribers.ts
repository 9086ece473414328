// Test consumers on the real brokers (with the same maintained clients the sinks use): each collects what arrives, in order.
import amqp from 'amqplib'
import mqtt from 'mqtt'
import { connect } from 'nats'

export interface Received {
  /** Subject, routing key or topic. */
  topic: string
  // biome-ignore lint/suspicious/noExplicitAny: tests read the event envelope's JSON
  event: any
}

export interface BrokerSubscriber {
  /** Resolves with the first n messages once they have arrived. */
  take(n: number): Promise<Received[]>
  readonly received: Received[]
  close(): Promise<void>
}

function collector(close: () => Promise<void>) {
  const received: Received[] = []
  const waiters: { n: number; resolve: () => void }[] = []
  return {
    add(topic: string, payload: Buffer | Uint8Array | string) {
      received.push({ topic, event: JSON.parse(Buffer.from(payload).toString()) })
      for (const w of [...waiters]) if (received.length >= w.n) w.resolve()
    },
    subscriber: {
      received,
      async take(n: number) {
        if (received.length < n) await new Promise<void>((resolve) => waiters.push({ n, resolve }))
        return received.slice(0, n)
      },
      close,
    } as BrokerSubscriber,
  }
}

/** Subscribed (the server has registered it) once this resolves. */
export async function natsSubscriber(subject: string, servers = '127.0.0.1:4222'): Promise<BrokerSubscriber> {
  const nc = await connect({ servers })
  const c = collector(() => nc.close())
  nc.subscribe(subject, { callback: (_error, msg) => c.add(msg.subject, msg.data) })
  await nc.flush()
  return c.subscriber
}

/** Declares the durable topic exchange as the sink does, and binds an exclusive queue to it with `bindingKey`. */
export async function amqpSubscriber(
  exchange: string,
  bindingKey: string,
  url = 'amqp://guest:guest@127.0.0.1:5672/',
): Promise<BrokerSubscriber & { properties: amqp.MessageProperties[] }> {
  const conn = await amqp.connect(url)
  const channel = await conn.createChannel()
  await channel.assertExchange(exchange, 'topic', { durable: true })
  const { queue } = await channel.assertQueue('', { exclusive: true })
  await channel.bindQueue(queue, exchange, bindingKey)
  const properties: amqp.MessageProperties[] = []
  const c = collector(async () => {
    await channel.deleteExchange(exchange).catch(() => undefined)
    await conn.close()
  })
  await channel.consume(
    queue,
    (msg) => {
      if (!msg) return
      properties.push(msg.properties)
      c.add(msg.fields.routingKey, msg.content)
    },
    { noAck: true },
  )
  return Object.assign(c.subscriber, { properties })
}

/** Subscribed (SUBACK received) once this resolves. */
export async function mqttSubscriber(
  filter: string,
  url = 'mqtt://127.0.0.1:1883',
): Promise<BrokerSubscriber> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 })
  const c = collector(() => client.endAsync(true))
  client.on('message', (topic, payload) => c.add(topic, payload))
  await client.subscribeAsync(filter, { qos: 1 })
  return c.subscriber
}
