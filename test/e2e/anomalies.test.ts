// End to end: anomaly detection on a real dev server: learning, then a denied burst, root-token use and a revoked
// token's use appear in sys/anomalies, are acknowledged once, are in the audit log and reach a WebSocket subscriber
// and a NATS event sink.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { run } from '../../src/cli/test-io.ts'
import { type BrokerSubscriber, natsSubscriber } from '../helpers/broker-subscribers.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { type Subscriber, subscribe } from '../helpers/event-subscriber.ts'
import { NATS, skipUnless, unmet } from '../helpers/requirements.ts'
import { ManualClock, makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'

describe('anomaly detection through a dev server', () => {
  let t: TestServer
  const clock = new ManualClock()
  const temp = makeTempDir('coffer-anomalies-')
  const auditLog = join(temp.dir, 'audit.log')
  let annToken = ''
  let annAccessor = ''
  let events: Subscriber
  /** A consumer on the real NATS server the event sink delivers to (when NATS is running). */
  let nats: BrokerSubscriber | undefined
  const subjects = `coffer.anomalies.${process.pid}.${Date.now()}`

  /** Polls LIST sys/anomalies until one of `type` is there; the deadline only turns a hang into a failure. */
  async function anomalyOf(type: string): Promise<Record<string, unknown>> {
    return withDeadline(
      (async () => {
        for (;;) {
          const list = await t.call('LIST', 'sys/anomalies')
          for (const id of list.body?.data?.keys ?? []) {
            const one = await t.call('GET', `sys/anomalies/${id}`)
            if (one.body.data.type === type) return one.body.data
          }
          await delay(50)
        }
      })(),
      `an anomaly of type ${type}`,
    )
  }

  before(async () => {
    if (!(await unmet(NATS))) nats = await natsSubscriber(`${subjects}.>`)
    t = await startDevServer({
      clock,
      ...(nats
        ? {
            eventSinks: [
              {
                name: 'nats',
                type: 'nats' as const,
                address: '127.0.0.1:4222',
                subjectPrefix: subjects,
                eventTypes: ['anomaly/*'],
                queueSize: 100,
                timeout: 5,
              },
            ],
          }
        : {}),
      anomalyDetection: { learning_period: '10m', thresholds: { min_baseline_requests: 5 } },
    })
    assert.equal(
      (await t.call('POST', 'sys/audit/file', { body: { type: 'file', options: { file_path: auditLog } } }))
        .status,
      204,
    )
    await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })
    await t.call('PUT', 'sys/policies/acl/app', {
      body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' },
    })
    await t.call('POST', 'auth/userpass/users/ann', { body: { password: 'pw-ann', policies: ['app'] } })
    await t.call('POST', 'secret/data/app/db', { body: { data: { password: 'not-a-real-one' } } })
    const login = await t.call('POST', 'auth/userpass/login/ann', { body: { password: 'pw-ann' }, token: '' })
    annToken = login.body.auth.client_token
    annAccessor = login.body.auth.accessor
    // Ordinary traffic while the detector learns.
    for (let i = 0; i < 10; i++)
      assert.equal((await t.call('GET', 'secret/data/app/db', { token: annToken })).status, 200)
    events = await subscribe(t.address, 'anomaly/*', t.rootToken)
    clock.advance(3600)
  })

  after(async () => {
    events?.close()
    await nats?.close()
    await t?.close()
    temp.remove()
  })

  it('a burst of denied requests is listed, explained, acknowledged once, audited and published', async () => {
    for (let i = 0; i < 10; i++)
      assert.equal((await t.call('GET', `secret/data/hr/salary${i}`, { token: annToken })).status, 403)
    const anomaly = await anomalyOf('denied_burst')
    assert.equal(typeof anomaly['id'], 'string')
    assert.ok((anomaly['score'] as number) > 0 && (anomaly['score'] as number) <= 1)
    assert.match(anomaly['explanation'] as string, /userpass-ann had 10 requests refused/)
    assert.match(anomaly['time'] as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/)
    const identity = anomaly['identity'] as Record<string, unknown>
    assert.equal(identity['display_name'], 'userpass-ann')
    assert.equal(identity['auth_method'], 'userpass')
    assert.match(identity['entity_id'] as string, /\S/)
    assert.equal(anomaly['path'], 'secret/data/hr/salary9')
    assert.equal(anomaly['remote_address'], '127.0.0.1')
    assert.equal(anomaly['acknowledged'], false)
    assert.equal(anomaly['acknowledged_by'], null)
    assert.equal(anomaly['acknowledged_at'], null)
    assert.equal(anomaly['note'], null)
    const id = anomaly['id'] as string

    const unacked = await t.call('GET', 'sys/anomalies?list=true&acknowledged=false')
    assert.ok(unacked.body.data.keys.includes(id))

    // Acknowledged exactly once, even when asked concurrently.
    const acks = await Promise.all(
      [1, 2, 3, 4].map((n) => t.call('POST', `sys/anomalies/${id}/ack`, { body: { note: `checked ${n}` } })),
    )
    assert.deepEqual(acks.map((r) => r.status).sort(), [200, 400, 400, 400])
    const read = (await t.call('GET', `sys/anomalies/${id}`)).body.data
    assert.equal(read.acknowledged, true)
    assert.equal(read.acknowledged_by, 'root')
    assert.match(read.acknowledged_at, /^\d{4}-/)
    assert.match(read.note, /^checked \d$/)
    const stillUnacked = await t.call('LIST', 'sys/anomalies?acknowledged=false')
    assert.ok(!(stillUnacked.body?.data?.keys ?? []).includes(id))
    assert.equal((await t.call('POST', 'sys/anomalies/nope/ack', { body: {} })).status, 404)

    // The event bus: metadata only, from the sys/ mount.
    const seen = await withDeadline(
      (async () => {
        for (;;) {
          const event = await events.next()
          if (event.data.event.metadata.anomaly_id === id) return event
        }
      })(),
      'the anomaly/detected event',
    )
    assert.equal(seen.data.event_type, 'anomaly/detected')
    assert.equal(seen.data.event.metadata.anomaly_type, 'denied_burst')
    assert.equal(seen.data.event.metadata.path, `sys/anomalies/${id}`)
    assert.equal(seen.data.plugin_info.mount_path, 'sys/')

    // The audit log: the anomaly's own entry, its fields in clear, and its acknowledgement.
    const lines = readFileSync(auditLog, 'utf8')
      .split('\n')
      .filter((line) => line.includes(`sys/anomalies/${id}"`))
      .map((line) => JSON.parse(line))
    const created = lines.find((l) => l.request?.operation === 'create')
    assert.ok(created, 'the anomaly is in the audit log')
    assert.equal(created.response.data.type, 'denied_burst')
    assert.equal(created.response.data.display_name, 'userpass-ann')
    assert.ok(
      lines.some((l) => l.request?.operation === 'update' && l.response?.data?.acknowledged_by === 'root'),
    )
    assert.ok(!readFileSync(auditLog, 'utf8').includes(annToken), 'no token in clear')
  })

  it('an event sink (NATS) delivers anomaly/detected like any event', async (tc) => {
    if (await skipUnless(tc, NATS)) return
    const anomaly = await anomalyOf('denied_burst')
    const delivered = await withDeadline(
      (async () => {
        for (let n = 1; ; n++) {
          const got = await nats!.take(n)
          const hit = got.find((g) => g.event.data.event.metadata.anomaly_id === anomaly['id'])
          if (hit) return hit
        }
      })(),
      'the anomaly over NATS',
    )
    assert.equal(delivered.topic, `${subjects}.anomaly.detected`)
    assert.equal(delivered.event.data.event.metadata.anomaly_type, 'denied_burst')
  })

  it('root-token use after the learning period is an anomaly', async () => {
    await t.call('GET', 'sys/mounts')
    const anomaly = await anomalyOf('root_token')
    assert.equal((anomaly['identity'] as Record<string, unknown>)['display_name'], 'root')
    assert.match(anomaly['explanation'] as string, /root token/)
  })

  it('coffer anomalies list, show and ack', async () => {
    const root = await anomalyOf('root_token')
    const id = root['id'] as string
    const cli = (args: string[]) =>
      run(args, { env: { VAULT_ADDR: t.address, VAULT_TOKEN: t.rootToken }, homeDir: temp.dir })
    const list = await cli(['anomalies', 'list', '-unacknowledged'])
    assert.equal(list.code, 0, list.stderr)
    assert.match(list.stdout, new RegExp(`${id}\\s+root_token\\s+0\\.9\\s+root\\s+sys/`))
    const shown = await cli(['anomalies', 'show', id])
    assert.equal(shown.code, 0, shown.stderr)
    assert.match(shown.stdout, /explanation\s+a root token \(root\) was used/)
    const json = await cli(['anomalies', 'show', '-format=json', id])
    assert.equal(JSON.parse(json.stdout).type, 'root_token')
    const ack = await cli(['anomalies', 'ack', '-note=break-glass drill', id])
    assert.equal(ack.code, 0, ack.stderr)
    assert.match(ack.stdout, /Success! Acknowledged anomaly/)
    const again = await cli(['anomalies', 'ack', id])
    assert.equal(again.code, 2)
    assert.match(again.stderr, /already acknowledged by root/)
    assert.equal((await cli(['anomalies', 'show', '../sys/mounts'])).code, 1, 'not an anomaly id')
    assert.equal((await t.call('GET', `sys/anomalies/${id}`)).body.data.note, 'break-glass drill')
  })

  it("a revoked token's use is post_leak_use, naming its owner", async () => {
    const revoked = await t.call('POST', 'auth/token/revoke-accessor', { body: { accessor: annAccessor } })
    assert.equal(revoked.status, 204)
    assert.equal((await t.call('GET', 'secret/data/app/db', { token: annToken })).status, 403)
    const anomaly = await anomalyOf('post_leak_use')
    assert.equal((anomaly['identity'] as Record<string, unknown>)['display_name'], 'userpass-ann')
    assert.match(anomaly['explanation'] as string, /revoked credential is being used/)
    assert.ok(!JSON.stringify(anomaly).includes(annToken))
  })

  it('config: read, changed, and refused with a 400 naming a bad key', async () => {
    const read = await t.call('GET', 'sys/anomalies/config')
    assert.equal(read.status, 200)
    assert.equal(read.body.data.enabled, true)
    assert.equal(read.body.data.learning_period, 600)
    assert.equal(read.body.data.time_zone, 'UTC')
    const changed = await t.call('POST', 'sys/anomalies/config', {
      body: { time_zone: 'Europe/Paris', thresholds: { denied_burst_count: 20 } },
    })
    assert.equal(changed.status, 200)
    assert.equal(changed.body.data.thresholds.denied_burst_count, 20)
    const bad = await t.call('POST', 'sys/anomalies/config', { body: { thresholds: { nope: 1 } } })
    assert.equal(bad.status, 400)
    assert.match(bad.body.errors[0], /thresholds\.nope/)
    const zone = await t.call('POST', 'sys/anomalies/config', { body: { time_zone: 'Mars/Olympus' } })
    assert.equal(zone.status, 400)
    const metrics = await fetch(`${t.address}/v1/sys/metrics?format=prometheus`, {
      headers: { 'x-vault-token': t.rootToken },
    })
    const text = await metrics.text()
    assert.match(text, /coffer_anomalies_total\{type="denied_burst"\} [1-9]/)
    // The operator's own reads of sys/anomalies/<id> are control-plane paths: never new_path.
    assert.match(text, /coffer_anomalies_total\{type="new_path"\} 0/)
  })
})
