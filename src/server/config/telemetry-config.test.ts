// The telemetry blocks in HCL and JSON: the top-level one and a listener's unauthenticated_metrics_access.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, parseConfig } from './load-config.ts'

const STORAGE = 'storage "inmem" {}\n'

describe('telemetry config', () => {
  it("reads Vault's spelling in HCL: a top-level block and a listener's nested block", () => {
    const config = parseConfig(
      `${STORAGE}listener "tcp" {\n  tls_disable = true\n  telemetry {\n    unauthenticated_metrics_access = true\n  }\n}\n` +
        `telemetry {\n  prometheus_retention_time = "30s"\n  disable_hostname = true\n  secret_access_path_depth = 1\n  secret_access_path_limit = 50\n}\n`,
      'hcl',
    )
    assert.equal(config.listeners[0]!.unauthenticatedMetricsAccess, true)
    assert.deepEqual(config.telemetry, {
      prometheusRetentionSeconds: 30,
      disableHostname: true,
      secretAccessPathDepth: 1,
      secretAccessPathLimit: 50,
    })
  })

  it('reads the same from JSON', () => {
    const config = parseConfig(
      JSON.stringify({
        storage: { inmem: {} },
        listener: { tcp: { tls_disable: true, telemetry: { unauthenticated_metrics_access: 'true' } } },
        telemetry: { prometheus_retention_time: '0s' },
      }),
      'json',
    )
    assert.equal(config.listeners[0]!.unauthenticatedMetricsAccess, true)
    assert.deepEqual(config.telemetry, { prometheusRetentionSeconds: 0 })
  })

  it('leaves metrics behind a token when the listener says nothing', () => {
    const config = parseConfig(`${STORAGE}listener "tcp" { tls_disable = true }`, 'hcl')
    assert.equal(config.listeners[0]!.unauthenticatedMetricsAccess, undefined)
    assert.equal(config.telemetry, undefined)
  })

  for (const [text, message] of [
    [
      `${STORAGE}listener "tcp" { tls_disable = true }\ntelemetry { statsd_address = "x:1" }`,
      /telemetry: unknown key "statsd_address"/,
    ],
    [
      `${STORAGE}listener "tcp" { tls_disable = true }\ntelemetry { secret_access_path_limit = 0 }`,
      /secret_access_path_limit: must be a whole number from 1/,
    ],
    [
      `${STORAGE}listener "tcp" { tls_disable = true }\ntelemetry { prometheus_retention_time = "soon" }`,
      /prometheus_retention_time: must be a duration/,
    ],
    [
      `${STORAGE}listener "tcp" {\n tls_disable = true\n telemetry { unauthenticated_metrics_access = "maybe" }\n}`,
      /listener\.tcp\.telemetry\.unauthenticated_metrics_access: must be a boolean/,
    ],
    [`${STORAGE}listener "tcp" {\n tls_disable = true\n other { }\n}`, /listener\.tcp: unknown key "other"/],
    [
      `${STORAGE}listener "tcp" { tls_disable = true }\ntelemetry {}\ntelemetry {}`,
      /only one telemetry block/,
    ],
  ] as const) {
    it(`refuses ${JSON.stringify(text.split('\n').slice(1).join(' '))}`, () => {
      assert.throws(
        () => parseConfig(text, 'hcl'),
        (error: unknown) => error instanceof ConfigError && (message as RegExp).test(error.message),
      )
    })
  }
})
