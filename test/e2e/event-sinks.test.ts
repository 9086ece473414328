// End to end: a real server's event sinks deliver a sequence of KV writes, in order, to real NATS, RabbitMQ and Mosquitto brokers and an HTTPS webhook; a sink that is down never holds up a request.
import assert from 'node:assert/strict'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { describe, it, type TestContext } from 'node:test'
import type { EventSinkConfig } from '../../src/server/config/event-sink-config.ts'
import { amqpSubscriber, mqttSubscriber, natsSubscriber } from '../helpers/broker-subscribers.ts'
import { MOSQUITTO, NATS, OPENSSL, RABBITMQ, skipUnless } from '../helpers/requirements.ts'
import { makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'
import { startTcpProxy } from '../helpers/tcp-proxy.ts'
import { makeSelfSignedCert } from '../helpers/tls.ts'

const COMMON = { eventTypes: ['kv-v2/*'], queueSize: 1000, timeout: 5 }
const KEYS = ['a', 'b', 'c', 'd', 'e']

/** Collects envelopes as a broker hands them over; `take(n)` resolves with the first n. */
function collector() {
  // biome-ignore lint/suspicious/noExplicitAny: tests read the event envelope's JSON
  const got: { topic: string; event: any }[] = []
  const waiters: { n: number; resolve: () => void }[] = []
  return {
    add(topic: string, payload: Buffer | string) {
      got.push({ topic, event: JSON.parse(String(payload)) })
      for (const w of [...waiters]) if (got.length >= w.n) w.resolve()
    },
    async take(n: number) {
      if (got.length < n) await new Promise<void>((resolve) => waiters.push({ n, resolve }))
      return got.slice(0, n)
    },
  }
}

/** Writes data/<prefix>/<key> for each key, each a new secret; every write must succeed. */
async function writeSequence(server: TestServer, prefix: string): Promise<void> {
  for (const key of KEYS) {
    const reply = await server.call('POST', `secret/data/${prefix}/${key}`, {
      body: { data: { password: `s3cret-${key}` } },
    })
    assert.equal(reply.status, 200)
  }
}

function assertInOrder(
  got: { topic: string; event: { data: { event: { metadata: { path: string } } } } }[],
  prefix: string,
) {
  assert.deepEqual(
    got.map((g) => g.event.data.event.metadata.path),
    KEYS.map((k) => `secret/data/${prefix}/${k}`),
  )
  assert.doesNotMatch(JSON.stringify(got), /s3cret/)
}

async function withSinkServer(sinks: EventSinkConfig[], run: (server: TestServer) => Promise<void>) {
  const server = await startDevServer({ eventSinks: sinks })
  try {
    await run(server)
  } finally {
    await server.close()
  }
}

describe('event sinks against real brokers', () => {
  it('NATS: one subject per event type, events in order', async (t: TestContext) => {
    if (await skipUnless(t, NATS)) return
    const prefix = `coffer.test.${process.pid}.${Date.now()}`
    const got = await natsSubscriber(`${prefix}.>`)
    try {
      await withSinkServer(
        [{ ...COMMON, name: 'nats', type: 'nats', address: '127.0.0.1:4222', subjectPrefix: prefix }],
        async (server) => {
          await writeSequence(server, 'nats')
          const events = await got.take(KEYS.length)
          assertInOrder(events, 'nats')
          assert.equal(events[0]!.topic, `${prefix}.kv-v2.data-write`)
          assert.equal(events[0]!.event.data.event_type, 'kv-v2/data-write')
        },
      )
    } finally {
      await got.close()
    }
  })

  it('RabbitMQ: topic exchange, routing key per event type, events in order', async (t: TestContext) => {
    if (await skipUnless(t, RABBITMQ)) return
    const exchange = `coffer.test.${process.pid}.${Date.now()}`
    const url = 'amqp://guest:guest@127.0.0.1:5672/'
    // The exchange must exist before a queue can be bound to it: the subscriber declares it as the sink will.
    const got = await amqpSubscriber(exchange, 'kv-v2.#', url)
    try {
      await withSinkServer(
        [{ ...COMMON, name: 'rabbit', type: 'rabbitmq', url, exchange }],
        async (server) => {
          await writeSequence(server, 'amqp')
          const events = await got.take(KEYS.length)
          assertInOrder(events, 'amqp')
          assert.equal(events[0]!.topic, 'kv-v2.data-write')
        },
      )
    } finally {
      await got.close()
    }
  })

  it('MQTT: QoS 1, topic per event type, events in order', async (t: TestContext) => {
    if (await skipUnless(t, MOSQUITTO)) return
    const prefix = `coffer/test/${process.pid}/${Date.now()}`
    const got = await mqttSubscriber(`${prefix}/#`)
    try {
      await withSinkServer(
        [{ ...COMMON, name: 'mqtt', type: 'mqtt', address: '127.0.0.1:1883', topicPrefix: prefix }],
        async (server) => {
          await writeSequence(server, 'mqtt')
          const events = await got.take(KEYS.length)
          assertInOrder(events, 'mqtt')
          assert.equal(events[0]!.topic, `${prefix}/kv-v2/data-write`)
        },
      )
    } finally {
      await got.close()
    }
  })

  it('webhook: HTTPS POSTs signed with HMAC-SHA256, in order', async (t: TestContext) => {
    if (await skipUnless(t, OPENSSL)) return
    const temp = makeTempDir()
    const cert = makeSelfSignedCert(temp.dir)!
    const secret = 'a-webhook-secret-of-some-length'
    const got = collector()
    const badSignatures: string[] = []
    const receiver = https.createServer(
      { key: readFileSync(cert.key), cert: readFileSync(cert.cert) },
      (req, res) => {
        let body = ''
        req.on('data', (chunk) => {
          body += chunk
        })
        req.on('end', () => {
          const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`)
          const given = Buffer.from(String(req.headers['x-coffer-signature'] ?? ''))
          if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
            badSignatures.push(body)
            res.writeHead(401).end()
            return
          }
          got.add(String(req.headers['x-coffer-event-type']), body)
          res.writeHead(204).end()
        })
      },
    )
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const port = (receiver.address() as AddressInfo).port
    try {
      await withSinkServer(
        [
          {
            ...COMMON,
            name: 'hook',
            type: 'webhook',
            url: `https://127.0.0.1:${port}/events`,
            hmacSecret: secret,
            ca: readFileSync(cert.cert, 'utf8'),
          },
        ],
        async (server) => {
          await writeSequence(server, 'hook')
          const events = await got.take(KEYS.length)
          assertInOrder(events, 'hook')
          assert.equal(events[0]!.topic, 'kv-v2/data-write')
          assert.deepEqual(badSignatures, [])
        },
      )
    } finally {
      receiver.close()
      temp.remove()
    }
  })

  it('answers requests while every sink is unreachable, and keeps their events queued', async () => {
    // Port 9 (discard) on loopback has no listener here: every connection is refused at once.
    const down = '127.0.0.1:9'
    await withSinkServer(
      [
        { ...COMMON, name: 'nats-down', type: 'nats', address: down, subjectPrefix: 'x' },
        { ...COMMON, name: 'mqtt-down', type: 'mqtt', address: down, topicPrefix: 'x' },
        { ...COMMON, name: 'amqp-down', type: 'rabbitmq', url: `amqp://guest:guest@${down}/`, exchange: 'x' },
        {
          ...COMMON,
          name: 'hook-down',
          type: 'webhook',
          url: `https://${down}/`,
          hmacSecret: 'x'.repeat(16),
        },
      ],
      async (server) => {
        await writeSequence(server, 'down')
        const status = server.server.sinks.status()
        assert.equal(status.length, 4)
        for (const sink of status) {
          assert.equal(sink.delivered, 0, sink.name)
          assert.equal(sink.pending, KEYS.length, sink.name)
        }
      },
    )
  })

  it('delivers, in order, once brokers that were unreachable at start are reachable', async (t: TestContext) => {
    if (await skipUnless(t, NATS, RABBITMQ, MOSQUITTO)) return
    const id = `${process.pid}.${Date.now()}`
    const nats = await startTcpProxy(4222)
    const rabbit = await startTcpProxy(5672)
    const mosquitto = await startTcpProxy(1883)
    const proxies = [nats, rabbit, mosquitto]
    for (const proxy of proxies) proxy.cut()
    const fromNats = await natsSubscriber(`coffer.late.${id}.>`)
    const fromRabbit = await amqpSubscriber(`coffer.late.${id}`, '#')
    const fromMqtt = await mqttSubscriber(`coffer/late/${id}/#`)
    try {
      await withSinkServer(
        [
          {
            ...COMMON,
            name: 'nats',
            type: 'nats',
            address: `127.0.0.1:${nats.port}`,
            subjectPrefix: `coffer.late.${id}`,
          },
          {
            ...COMMON,
            name: 'rabbit',
            type: 'rabbitmq',
            url: `amqp://guest:guest@127.0.0.1:${rabbit.port}/`,
            exchange: `coffer.late.${id}`,
          },
          {
            ...COMMON,
            name: 'mqtt',
            type: 'mqtt',
            address: `127.0.0.1:${mosquitto.port}`,
            topicPrefix: `coffer/late/${id}`,
          },
        ],
        async (server) => {
          await writeSequence(server, 'late')
          for (const sink of server.server.sinks.status()) assert.equal(sink.delivered, 0, sink.name)
          for (const proxy of proxies) proxy.restore()
          for (const got of [fromNats, fromRabbit, fromMqtt])
            assertInOrder(await got.take(KEYS.length), 'late')
        },
      )
    } finally {
      await Promise.all([fromNats, fromRabbit, fromMqtt].map((s) => s.close()))
      await Promise.all(proxies.map((p) => p.close()))
    }
  })
})
