// The anomaly_detection block in HCL and JSON: its keys, its nested thresholds block, and clear refusals.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_THRESHOLDS } from '../../lib/anomaly-config.ts'
import { ConfigError, parseConfig } from './load-config.ts'

const BASE = 'storage "inmem" {}\nlistener "tcp" {\n  tls_disable = true\n}\n'

describe('anomaly_detection config', () => {
  it('reads the block and its nested thresholds block; enabled unless it says otherwise', () => {
    const config = parseConfig(
      `${BASE}anomaly_detection {\n  learning_period = "72h"\n  path_depth = 3\n  time_zone = "Europe/Paris"\n  thresholds {\n    denied_burst_count = 20\n    min_score = 0.7\n  }\n}\n`,
      'hcl',
    )
    assert.deepEqual(config.anomalyDetection, {
      enabled: true,
      learning_period: 72 * 3600,
      path_depth: 3,
      time_zone: 'Europe/Paris',
      thresholds: { ...DEFAULT_THRESHOLDS, denied_burst_count: 20, min_score: 0.7 },
    })
  })

  it('reads the same from JSON, and enabled = false turns it off', () => {
    const config = parseConfig(
      JSON.stringify({
        storage: { inmem: {} },
        listener: { tcp: { tls_disable: true } },
        anomaly_detection: { enabled: false, thresholds: { fanout_identities: 8 } },
      }),
      'json',
    )
    assert.equal(config.anomalyDetection?.enabled, false)
    assert.equal(config.anomalyDetection?.thresholds.fanout_identities, 8)
    assert.equal(parseConfig(`${BASE}`, 'hcl').anomalyDetection, undefined, 'off without the block')
  })

  it('refuses unknown keys, bad values and zones, naming where', () => {
    const refused = (body: string, key: RegExp) =>
      assert.throws(
        () => parseConfig(`${BASE}anomaly_detection {\n${body}\n}\n`, 'hcl'),
        (e: unknown) => e instanceof ConfigError && key.test(e.message),
      )
    refused('colour = "red"', /anomaly_detection\.colour: unknown key/)
    refused('time_zone = "Mars/Olympus"', /anomaly_detection\.time_zone: must be an IANA time zone/)
    refused('path_depth = -1', /anomaly_detection\.path_depth: must be a whole number/)
    refused('learning_period = "soon"', /anomaly_detection\.learning_period/)
    refused('thresholds {\n  nope = 1\n}', /anomaly_detection\.thresholds\.nope: unknown threshold/)
    refused('other {\n}', /anomaly_detection: unexpected block "other"/)
  })
})
