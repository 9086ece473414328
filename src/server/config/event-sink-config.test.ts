// Tests for event_sink blocks: each type's settings and defaults, in HCL and JSON, and errors that name the key without echoing secrets.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, parseConfig } from './load-config.ts'

const BASE = `storage "inmem" {}\nlistener "tcp" { tls_disable = true }\n`

function problem(text: string): string {
  try {
    parseConfig(BASE + text, 'hcl')
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error))
    return error.message
  }
  throw new Error('expected a config error')
}

describe('event_sink blocks', () => {
  it('reads every sink type with its defaults', () => {
    const config = parseConfig(
      `${BASE}
event_sink "nats" {
  address = "127.0.0.1:4222"
  event_types = ["kv-v2/*", "database/*"]
}
event_sink "rabbitmq" {
  url = "amqp://guest:guest@127.0.0.1:5672/"
  queue_size = 50
}
event_sink "mqtt" {
  topic_prefix = "vault/events"
  timeout = "3s"
}
event_sink "webhook" {
  name = "audit-hook"
  url = "https://hooks.example.com/coffer"
  hmac_secret = "0123456789abcdef-secret"
}`,
      'hcl',
    )
    assert.deepEqual(config.eventSinks, [
      {
        name: 'nats-0',
        eventTypes: ['kv-v2/*', 'database/*'],
        queueSize: 10000,
        timeout: 10,
        type: 'nats',
        address: '127.0.0.1:4222',
        subjectPrefix: 'coffer.events',
      },
      {
        name: 'rabbitmq-1',
        eventTypes: ['*'],
        queueSize: 50,
        timeout: 10,
        type: 'rabbitmq',
        url: 'amqp://guest:guest@127.0.0.1:5672/',
        exchange: 'coffer.events',
      },
      {
        name: 'mqtt-2',
        eventTypes: ['*'],
        queueSize: 10000,
        timeout: 3,
        type: 'mqtt',
        address: '127.0.0.1:1883',
        topicPrefix: 'vault/events',
      },
      {
        name: 'audit-hook',
        eventTypes: ['*'],
        queueSize: 10000,
        timeout: 10,
        type: 'webhook',
        url: 'https://hooks.example.com/coffer',
        hmacSecret: '0123456789abcdef-secret',
      },
    ])
  })

  it('reads JSON the same way', () => {
    const config = parseConfig(
      JSON.stringify({
        storage: { inmem: {} },
        listener: { tcp: { tls_disable: true } },
        event_sink: { nats: { subject_prefix: 'ops', username: 'coffer', password: 'pw' } },
      }),
      'json',
    )
    assert.deepEqual(config.eventSinks?.[0], {
      name: 'nats',
      eventTypes: ['*'],
      queueSize: 10000,
      timeout: 10,
      type: 'nats',
      address: '127.0.0.1:4222',
      subjectPrefix: 'ops',
      username: 'coffer',
      password: 'pw',
    })
  })

  it('refuses what it cannot use, naming the key and never the secret', () => {
    assert.match(problem('event_sink "kafka" {}'), /event_sink.kafka: unsupported event sink type/)
    assert.match(
      problem('event_sink "webhook" { url = "https://x" }'),
      /event_sink.webhook.hmac_secret: is required/,
    )
    assert.match(
      problem('event_sink "webhook" {\n url = "http://user:pw@x"\n hmac_secret = "0123456789abcdefg"\n}'),
      /event_sink.webhook.url: must be an https:\/\/ URL$/,
    )
    assert.doesNotMatch(
      problem('event_sink "webhook" {\n url = "http://user:pw@x"\n hmac_secret = "0123456789abcdefg"\n}'),
      /pw/,
    )
    assert.match(
      problem('event_sink "webhook" {\n url = "https://x"\n hmac_secret = "short"\n}'),
      /at least 16/,
    )
    assert.match(
      problem('event_sink "rabbitmq" { url = "http://x" }'),
      /must be an amqp:\/\/ or amqps:\/\/ URL/,
    )
    assert.doesNotMatch(problem('event_sink "rabbitmq" { url = "http://guest:pw-123@x" }'), /pw-123/)
    assert.match(
      problem('event_sink "mqtt" { address = "ws://x:1" }'),
      /event_sink.mqtt.address: must be host:port or a mqtt:\/\/ or mqtts:\/\/ URL/,
    )
    assert.match(problem('event_sink "nats" { address = "http://x:1" }'), /nats:\/\/ or tls:\/\//)
    assert.match(problem('event_sink "nats" { queue_size = 0 }'), /queue_size: must be a whole number/)
    assert.match(problem('event_sink "nats" { event_types = "kv*" }'), /event_types: must be a list/)
    assert.match(problem('event_sink "nats" { subject = "x" }'), /unknown key "subject"/)
  })
})
