// The NATS, RabbitMQ and MQTT transports against the real brokers: what arrives where, in order; delivery once an unreachable broker is reachable, and after a lost connection; no password in any error.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, describe, it, type TestContext } from 'node:test'
import {
  amqpSubscriber,
  type BrokerSubscriber,
  mqttSubscriber,
  natsSubscriber,
} from '../../../test/helpers/broker-subscribers.ts'
import { MOSQUITTO, NATS, RABBITMQ, skipUnless } from '../../../test/helpers/requirements.ts'
import { startTcpProxy, type TcpProxy } from '../../../test/helpers/tcp-proxy.ts'
import { createLogger, silentLogger } from '../../lib/logger.ts'
import { amqpTransport } from './amqp-transport.ts'
import { redact } from './broker-connection.ts'
import { mqttTransport } from './mqtt-transport.ts'
import { natsTransport } from './nats-transport.ts'
import { EventSink, type SinkMessage, type SinkTransport } from './sink.ts'
import { ManualSleeps } from './test-helpers.ts'

const TIMEOUT_MS = 5_000
const unique = () => `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
const message = (n: number, type = 'kv-v2/data-write'): SinkMessage => ({
  id: `id-${n}`,
  type,
  body: JSON.stringify({ id: `id-${n}`, n }),
})

interface Broker {
  name: string
  requirement: typeof NATS
  port: number
  /** A transport to the broker at 127.0.0.1:port, and a consumer of everything it publishes there. */
  setup(): Promise<{
    transport(port: number, password?: string): SinkTransport
    subscriber: BrokerSubscriber
  }>
}

const BROKERS: Broker[] = [
  {
    name: 'NATS',
    requirement: NATS,
    port: 4222,
    async setup() {
      const prefix = `coffer.test.${unique()}`
      return {
        transport: (port, password) =>
          natsTransport({
            address: `127.0.0.1:${port}`,
            subjectPrefix: prefix,
            auth: password ? { user: 'nobody', pass: password } : {},
            connectTimeoutMs: TIMEOUT_MS,
          }),
        subscriber: await natsSubscriber(`${prefix}.>`),
      }
    },
  },
  {
    name: 'RabbitMQ',
    requirement: RABBITMQ,
    port: 5672,
    async setup() {
      const exchange = `coffer.test.${unique()}`
      return {
        transport: (port, password) =>
          amqpTransport({
            url: `amqp://guest:${password ?? 'guest'}@127.0.0.1:${port}/`,
            exchange,
            connectTimeoutMs: TIMEOUT_MS,
          }),
        subscriber: await amqpSubscriber(exchange, '#'),
      }
    },
  },
  {
    name: 'MQTT',
    requirement: MOSQUITTO,
    port: 1883,
    async setup() {
      const prefix = `coffer/test/${unique()}`
      return {
        transport: (port, password) =>
          mqttTransport({
            address: `127.0.0.1:${port}`,
            topicPrefix: prefix,
            auth: password ? { username: 'nobody', password } : {},
            connectTimeoutMs: TIMEOUT_MS,
          }),
        subscriber: await mqttSubscriber(`${prefix}/#`),
      }
    },
  },
]

const proxies: TcpProxy[] = []
after(async () => {
  await Promise.all(proxies.map((p) => p.close()))
})

/** A loopback port nobody listens on: a server's, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

function sinkOf(transport: SinkTransport, sleeps: ManualSleeps) {
  return new EventSink({
    name: 'test',
    transport,
    queueSize: 100,
    logger: silentLogger,
    sleep: sleeps.sleep,
    attemptTimeoutMs: TIMEOUT_MS,
  })
}

for (const broker of BROKERS) {
  describe(`${broker.name} transport`, () => {
    it('delivers each event where its type says, in order', async (t: TestContext) => {
      if (await skipUnless(t, broker.requirement)) return
      const { transport, subscriber } = await broker.setup()
      const sink = sinkOf(transport(broker.port), new ManualSleeps())
      try {
        for (let n = 1; n <= 20; n++) sink.offer(message(n, n % 2 ? 'kv-v2/data-write' : 'database/rotate'))
        await sink.drained()
        const got = await subscriber.take(20)
        assert.deepEqual(
          got.map((g) => g.event.n),
          Array.from({ length: 20 }, (_, i) => i + 1),
        )
        assert.match(got[0]!.topic, /kv-v2[./]data-write$/)
        assert.match(got[1]!.topic, /database[./]rotate$/)
        assert.equal(sink.status().delivered, 20)
        if ('properties' in subscriber) {
          const properties = subscriber.properties as {
            deliveryMode?: number
            messageId?: string
            type?: string
          }[]
          assert.equal(properties[0]!.deliveryMode, 2, 'persistent')
          assert.equal(properties[0]!.messageId, 'id-1')
          assert.equal(properties[0]!.type, 'kv-v2/data-write')
        }
      } finally {
        await sink.close()
        await subscriber.close()
      }
    })

    it('delivers, once the broker is reachable, what was offered while it was not', async (t: TestContext) => {
      if (await skipUnless(t, broker.requirement)) return
      const { transport, subscriber } = await broker.setup()
      const proxy = await startTcpProxy(broker.port)
      proxies.push(proxy)
      proxy.cut()
      const sleeps = new ManualSleeps()
      const sink = sinkOf(transport(proxy.port), sleeps)
      try {
        sink.offer(message(1))
        sink.offer(message(2))
        await sleeps.untilWaiting()
        assert.equal(sink.status().delivered, 0)
        assert.ok(sink.status().failures >= 1)
        proxy.restore()
        sleeps.release()
        await sink.drained()
        const got = await subscriber.take(2)
        assert.deepEqual(
          got.map((g) => g.event.n),
          [1, 2],
        )
      } finally {
        await sink.close()
        await subscriber.close()
      }
    })

    it('reconnects after its connection is lost, and goes on in order', async (t: TestContext) => {
      if (await skipUnless(t, broker.requirement)) return
      const { transport, subscriber } = await broker.setup()
      const proxy = await startTcpProxy(broker.port)
      proxies.push(proxy)
      const sleeps = new ManualSleeps()
      const sink = sinkOf(transport(proxy.port), sleeps)
      try {
        sink.offer(message(1))
        await sink.drained()
        // Drops the established connection (as a broker restart would) and refuses new ones for now.
        proxy.cut()
        sink.offer(message(2))
        sink.offer(message(3))
        await sleeps.untilWaiting()
        proxy.restore()
        sleeps.release()
        await sink.drained()
        const got = await subscriber.take(3)
        assert.deepEqual(
          got.map((g) => g.event.n),
          [1, 2, 3],
        )
        assert.equal(sink.status().delivered, 3)
      } finally {
        await sink.close()
        await subscriber.close()
      }
    })

    it('keeps the password out of what it logs', async (t: TestContext) => {
      if (await skipUnless(t, broker.requirement)) return
      const { transport: brokerTransport, subscriber } = await broker.setup()
      const password = `Pw-${unique()}`
      // A broker that takes any credentials refuses nothing; a port nobody listens on then makes the attempt fail
      // with the password still in the address, which is what must not reach the log.
      const accepting = broker.name !== 'RabbitMQ'
      const port = accepting ? await closedPort() : broker.port
      const transport = brokerTransport
      const lines: string[] = []
      const sleeps = new ManualSleeps()
      const sink = new EventSink({
        name: 'secretive',
        transport: transport(port, password),
        queueSize: 10,
        logger: createLogger('debug', (line) => lines.push(line)),
        sleep: sleeps.sleep,
        attemptTimeoutMs: TIMEOUT_MS,
      })
      try {
        sink.offer(message(1))
        // The broker refuses the credentials, or nobody answers: either way the sink logs and waits to retry.
        while (sleeps.waiting.length === 0 && sink.status().delivered === 0)
          await new Promise((r) => setImmediate(r))
        assert.equal(sink.status().delivered, 0, 'the attempt failed')
        assert.ok(lines.length > 0, 'the refused attempt is logged')
        assert.doesNotMatch(lines.join('\n'), new RegExp(password))
        assert.doesNotMatch(lines.join('\n'), new RegExp(encodeURIComponent(password)))
      } finally {
        await sink.close()
        await subscriber.close()
      }
    })
  })
}

describe('TLS addresses', () => {
  it('insist on TLS: a plain-text broker is not sent anything in clear', async (t: TestContext) => {
    if (await skipUnless(t, NATS, RABBITMQ, MOSQUITTO)) return
    const transports = {
      nats: natsTransport({
        address: 'tls://127.0.0.1:4222',
        subjectPrefix: 'x',
        auth: {},
        connectTimeoutMs: TIMEOUT_MS,
      }),
      amqps: amqpTransport({
        url: 'amqps://guest:guest@127.0.0.1:5672/',
        exchange: 'x',
        connectTimeoutMs: TIMEOUT_MS,
      }),
      mqtts: mqttTransport({
        address: 'mqtts://127.0.0.1:1883',
        topicPrefix: 'x',
        auth: {},
        connectTimeoutMs: TIMEOUT_MS,
      }),
    }
    for (const [name, transport] of Object.entries(transports)) {
      const sleeps = new ManualSleeps()
      const sink = sinkOf(transport, sleeps)
      try {
        sink.offer(message(1))
        await sleeps.untilWaiting()
        assert.deepEqual([name, sink.status().delivered, sink.status().failures], [name, 0, 1])
      } finally {
        await sink.close()
      }
    }
  })
})

describe('redact', () => {
  it('replaces each secret, plain and URL-encoded, and leaves the rest', () => {
    assert.equal(
      redact('connect amqp://guest:p%40ss@host failed for p@ss', ['p@ss']),
      'connect amqp://guest:[redacted]@host failed for [redacted]',
    )
    assert.equal(redact('nothing here', ['', 'x-y-z']), 'nothing here')
  })
})
