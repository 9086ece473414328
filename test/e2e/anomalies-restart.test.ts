// End to end: anomaly baselines and anomalies survive a restart of a dev server on SQLite (written at shutdown), and
// a snapshot restore with detection on reloads them as of the snapshot.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { type RunningServer, startServer } from '../../src/server/start-server.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { client, ManualClock, startDevServer } from '../helpers/server.ts'

it('a restarted server keeps its anomalies and the baselines it learned', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'coffer-anomalies-restart-'))
  const clock = new ManualClock()
  const start = () =>
    startServer({
      dev: true,
      dataDir,
      listenAddress: '127.0.0.1:0',
      devAws: false,
      clock,
      anomalyDetection: { learning_period: '10m', thresholds: { min_baseline_requests: 5 } },
    })
  /** The new_path anomalies' paths, once there are `count` of them (the deadline only turns a hang into a failure). */
  const newPaths = (server: RunningServer, count: number) =>
    withDeadline(
      (async () => {
        const call = client(server.address, server.rootToken)
        for (;;) {
          const keys: string[] = (await call('LIST', 'sys/anomalies')).body?.data?.keys ?? []
          const paths: string[] = []
          for (const id of keys) {
            const data = (await call('GET', `sys/anomalies/${id}`)).body.data
            if (data.type === 'new_path') paths.push(data.path)
          }
          if (paths.length >= count) return paths
          await delay(50)
        }
      })(),
      `${count} new_path anomalies`,
    )
  try {
    let annToken = ''
    const first = await start()
    try {
      const call = client(first.address, first.rootToken)
      await call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })
      await call('PUT', 'sys/policies/acl/reader', {
        body: { policy: 'path "secret/data/*" { capabilities = ["read"] }' },
      })
      await call('POST', 'auth/userpass/users/ann', { body: { password: 'pw-ann', policies: ['reader'] } })
      for (const path of ['app/db', 'billing/card', 'other/x'])
        await call('POST', `secret/data/${path}`, { body: { data: { value: 'v' } } })
      annToken = (await call('POST', 'auth/userpass/login/ann', { body: { password: 'pw-ann' }, token: '' }))
        .body.auth.client_token
      for (let i = 0; i < 10; i++)
        assert.equal((await call('GET', 'secret/data/app/db', { token: annToken })).status, 200)
      clock.advance(3600)
      assert.equal((await call('GET', 'secret/data/billing/card', { token: annToken })).status, 200)
      assert.deepEqual(await newPaths(first, 1), ['secret/data/billing/card'])
    } finally {
      await first.close()
    }

    const second = await start()
    try {
      const call = client(second.address, second.rootToken)
      assert.equal((await call('GET', 'secret/data/billing/card', { token: annToken })).status, 200)
      assert.equal((await call('GET', 'secret/data/other/x', { token: annToken })).status, 200)
      // A lost baseline would make ann a newcomer again (nothing raised until it is learned anew); a kept one knows
      // billing/ and not other/.
      assert.deepEqual((await newPaths(second, 2)).sort(), [
        'secret/data/billing/card',
        'secret/data/other/x',
      ])
    } finally {
      await second.close()
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
})

it('a snapshot restore with detection on unseals again, with the anomalies as of the snapshot', async () => {
  const clock = new ManualClock()
  const t = await startDevServer({
    clock,
    anomalyDetection: { learning_period: '10m', thresholds: { min_baseline_requests: 5 } },
  })
  try {
    await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })
    await t.call('PUT', 'sys/policies/acl/reader', {
      body: { policy: 'path "secret/data/*" { capabilities = ["read"] }' },
    })
    await t.call('POST', 'auth/userpass/users/ann', { body: { password: 'pw-ann', policies: ['reader'] } })
    for (const path of ['app/db', 'billing/card'])
      await t.call('POST', `secret/data/${path}`, { body: { data: { value: 'v' } } })
    const ann = (await t.call('POST', 'auth/userpass/login/ann', { body: { password: 'pw-ann' }, token: '' }))
      .body.auth.client_token
    for (let i = 0; i < 10; i++) await t.call('GET', 'secret/data/app/db', { token: ann })
    const saved = await fetch(`${t.address}/v1/sys/storage/raft/snapshot`, {
      headers: { 'x-vault-token': t.rootToken },
    })
    assert.equal(saved.status, 200)
    const snapshot = new Uint8Array(await saved.arrayBuffer())

    clock.advance(3600)
    await t.call('GET', 'secret/data/billing/card', { token: ann })
    const types = async () => {
      const keys: string[] = (await t.call('LIST', 'sys/anomalies')).body?.data?.keys ?? []
      return Promise.all(keys.map(async (id) => (await t.call('GET', `sys/anomalies/${id}`)).body.data.type))
    }
    await withDeadline(
      (async () => {
        while (!(await types()).includes('new_path')) await delay(50)
      })(),
      'the new_path anomaly',
    )

    const restored = await fetch(`${t.address}/v1/sys/storage/raft/snapshot`, {
      method: 'POST',
      headers: { 'x-vault-token': t.rootToken, 'content-type': 'application/octet-stream' },
      body: snapshot,
    })
    assert.equal(restored.status, 204, await restored.text())
    assert.equal((await t.call('GET', 'sys/seal-status')).body.sealed, false)
    assert.ok(!(await types()).includes('new_path'), 'the anomaly raised after the snapshot is gone with it')
  } finally {
    await t.close()
  }
})
