// HA when the active node loses PostgreSQL: it stops being active before another node takes over, the others go
// on serving, and once PostgreSQL is back it rejoins as a standby.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type HaNode, startHaNode, until } from '../helpers/ha-cluster.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts'

describe('HA: the active node loses PostgreSQL', { skip: await unmet(POSTGRES) }, () => {
  let db: TestDatabase
  let proxy: TcpProxy
  let cut: HaNode
  let others: HaNode[]
  let root = ''
  let key = ''

  before(async () => {
    db = await createTestDatabase()
    proxy = await startTcpProxy(5432)
    // The first node reaches PostgreSQL only through the proxy the test will cut.
    cut = await startHaNode(db.url.replace('127.0.0.1:5432', `127.0.0.1:${proxy.port}`))
    const init = await cut.call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
    root = init.body.root_token
    key = init.body.keys_base64[0]
    assert.equal((await cut.call('PUT', 'sys/unseal', { body: { key } })).body.sealed, false)
    await until(() => cut.active())
    others = [await startHaNode(db.url), await startHaNode(db.url)]
    for (const node of others)
      assert.equal((await node.call('PUT', 'sys/unseal', { body: { key } })).body.sealed, false)
    assert.equal(
      (await cut.call('POST', 'sys/mounts/secret', { token: root, body: { type: 'kv-v2' } })).status,
      204,
    )
  })
  after(async () => {
    for (const node of [cut, ...(others ?? [])]) await node?.server.close().catch(() => {})
    await proxy?.close()
    await db?.drop()
  })

  it('steps down before anyone else takes over, the others serve, and it rejoins as a standby', async () => {
    const all = [cut, ...others]
    let overlap = false
    const watch = setInterval(() => {
      if (all.filter((node) => node.active()).length > 1) overlap = true
    }, 2)
    try {
      proxy.cut()
      await until(() => !cut.active())
      await until(() => others.some((node) => node.active()))
      const serving = others.find((node) => node.active())!
      const wrote = await others
        .find((node) => node !== serving)!
        .call('POST', 'secret/data/after-partition', { token: root, body: { data: { v: 1 } } })
      assert.equal(wrote.status, 200, 'a standby forwards to the new active node')
      // The cut-off node cannot find the active node: it refuses rather than guess.
      assert.equal((await cut.call('GET', 'secret/data/after-partition', { token: root })).status, 503)
      proxy.restore()
      await until(async () => [429, 473].includes((await cut.call('GET', 'sys/health')).status))
      const read = await cut.call('GET', 'secret/data/after-partition', { token: root })
      assert.equal(read.status, 200)
      assert.equal(read.body.data.data.v, 1)
    } finally {
      clearInterval(watch)
    }
    assert.equal(overlap, false, 'two nodes were active at the same time')
  })
})
