// The sanitized configuration: every secret the config can hold is left out; paths and settings are shown.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ServerConfig } from './load-config.ts'
import { sanitizedConfig } from './sanitized-config.ts'

const SECRETS = [
  'pg-password-1',
  'hmac-secret-2',
  'nats-pass-3',
  'nats-token-4',
  'env-secret-5',
  'mqtt-pass-6',
  'amqp-pass-7',
  'hook-secret-8',
]

const config: ServerConfig = {
  listeners: [
    {
      type: 'tcp',
      address: '0.0.0.0:8200',
      tlsDisable: false,
      tlsCertFile: '/etc/coffer/tls/server.crt',
      tlsKeyFile: '/etc/coffer/tls/server.key',
      tlsClientCaFile: '/etc/coffer/tls/ca.pem',
      maxRequestSize: 1024,
      maxJsonDepth: 100,
      maxJsonStringValueLength: 4096,
      maxJsonObjectEntryCount: 50,
      maxJsonArrayElementCount: 60,
      unauthenticatedMetricsAccess: true,
    },
  ],
  storage: {
    type: 'postgresql',
    connectionUrl: 'postgres://coffer:pg-password-1@db.internal:5432/coffer?sslmode=require',
    table: 'kv',
    maxParallel: 8,
    skipCreateTable: false,
    haEnabled: true,
    haTable: 'locks',
  },
  apiAddr: 'https://coffer.internal:8200',
  defaultLeaseTtl: 3600,
  maxLeaseTtl: 7200,
  logLevel: 'warn',
  disableMlock: true,
  ui: false,
  eventSinks: [
    {
      type: 'webhook',
      name: 'hook',
      eventTypes: ['kv*'],
      queueSize: 10,
      timeout: 5,
      url: 'https://u:hook-secret-8@x',
      hmacSecret: 'hmac-secret-2',
    },
    {
      type: 'nats',
      name: 'nats',
      eventTypes: [],
      queueSize: 10,
      timeout: 5,
      address: 'n:4222',
      subjectPrefix: 'c',
      username: 'u',
      password: 'nats-pass-3',
      token: 'nats-token-4',
    },
    {
      type: 'mqtt',
      name: 'mqtt',
      eventTypes: [],
      queueSize: 10,
      timeout: 5,
      address: 'm:1883',
      topicPrefix: 't',
      username: 'u',
      password: 'mqtt-pass-6',
    },
    {
      type: 'rabbitmq',
      name: 'amqp',
      eventTypes: [],
      queueSize: 10,
      timeout: 5,
      url: 'amqp://u:amqp-pass-7@r',
      exchange: 'e',
    },
  ],
  rotationFunctions: {
    rotate_db: {
      kind: 'command',
      command: ['/bin/rotate', '--password=env-secret-5'],
      timeoutMs: 1000,
      env: { PW: 'env-secret-5' },
    },
    hook: {
      kind: 'webhook',
      url: 'https://hook',
      hmacSecret: 'hmac-secret-2',
      timeoutMs: 1000,
      policies: ['p'],
    },
  },
}

describe('sanitizedConfig', () => {
  it('leaves out every password, token, secret and connection string', () => {
    const text = JSON.stringify(sanitizedConfig(config))
    for (const secret of SECRETS) assert.ok(!text.includes(secret), secret)
    assert.ok(!text.includes('connection_url'))
    assert.ok(!text.includes('db.internal'))
  })

  it("shows the settings, TLS file paths and storage options in Vault's terms", () => {
    const out = sanitizedConfig(config)
    assert.deepEqual(out['listeners'], [
      {
        type: 'tcp',
        config: {
          address: '0.0.0.0:8200',
          tls_disable: false,
          tls_cert_file: '/etc/coffer/tls/server.crt',
          tls_key_file: '/etc/coffer/tls/server.key',
          tls_client_ca_file: '/etc/coffer/tls/ca.pem',
          tls_require_and_verify_client_cert: false,
          tls_disable_client_certs: false,
          max_request_size: 1024,
          max_json_depth: 100,
          max_json_string_value_length: 4096,
          max_json_object_entry_count: 50,
          max_json_array_element_count: 60,
          telemetry: { unauthenticated_metrics_access: true },
        },
      },
    ])
    assert.deepEqual(out['storage'], {
      type: 'postgresql',
      table: 'kv',
      max_parallel: 8,
      skip_create_table: false,
      ha_enabled: true,
      ha_table: 'locks',
    })
    assert.deepEqual(out['seals'], [{ type: 'shamir', disabled: false }])
    assert.equal(out['api_addr'], 'https://coffer.internal:8200')
    assert.equal(out['default_lease_ttl'], 3600)
    assert.equal(out['log_level'], 'warn')
    assert.deepEqual(out['rotation_functions'], {
      rotate_db: { kind: 'command', policies: [] },
      hook: { kind: 'webhook', policies: ['p'] },
    })
    assert.deepEqual(
      (out['event_sinks'] as { type: string; name: string }[]).map((s) => [s.type, s.name]),
      [
        ['webhook', 'hook'],
        ['nats', 'nats'],
        ['mqtt', 'mqtt'],
        ['rabbitmq', 'amqp'],
      ],
    )
  })
})
