// Restart and crash durability of a real `coffer server -config` process on SQLite, and its HTTPS listener.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { withDeadline } from '../helpers/deadline.ts'
import { spawnServer } from '../helpers/process.ts'
import { client } from '../helpers/server.ts'
import { makeSelfSignedCert } from '../helpers/tls.ts'

function configFile(dir: string, extra = ''): string {
  const file = join(dir, 'coffer.hcl')
  writeFileSync(
    file,
    `storage "sqlite" {\n  path = "${join(dir, 'data', 'coffer.db')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n${extra}`,
  )
  return file
}

/** A temp dir for one test, removed when it ends. */
function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function initAndUnseal(address: string) {
  const call = client(address, '')
  const init = await call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
  assert.equal(init.status, 200)
  await call('PUT', 'sys/unseal', { body: { key: init.body.keys[0] } })
  return { key: init.body.keys[0] as string, root: init.body.root_token as string }
}

describe('durability of a server process', () => {
  it('keeps data across a clean restart (write, stop, start, unseal, read back)', async (t) => {
    const dir = tempDir(t, 'coffer-restart-')
    const config = configFile(dir)
    const first = await spawnServer([`-config=${config}`])
    const { key, root } = await initAndUnseal(first.address)
    const call = client(first.address, root)
    assert.equal((await call('POST', 'sys/mounts/secret', { body: { type: 'kv-v2' } })).status, 204)
    assert.equal(
      (await call('POST', 'secret/data/app', { body: { data: { password: 'survives-restart' } } })).status,
      200,
    )
    assert.equal(await first.stop('SIGTERM'), 0)

    const second = await spawnServer([`-config=${config}`])
    try {
      const again = client(second.address, root)
      assert.equal((await again('GET', 'sys/seal-status')).body.sealed, true)
      assert.equal((await again('GET', 'secret/data/app')).status, 503)
      await again('PUT', 'sys/unseal', { body: { key } })
      const read = await again('GET', 'secret/data/app')
      assert.equal(read.status, 200)
      assert.equal(read.body.data.data.password, 'survives-restart')
      const db = readFileSync(join(dir, 'data', 'coffer.db')).toString('latin1')
      assert.ok(!db.includes('survives-restart'), 'the secret value must not appear in the database file')
    } finally {
      await second.stop()
    }
  })

  it('keeps every acknowledged write after kill -9', async (t) => {
    const dir = tempDir(t, 'coffer-kill-')
    const config = configFile(dir)
    const first = await spawnServer([`-config=${config}`])
    const { key, root } = await initAndUnseal(first.address)
    const call = client(first.address, root)
    await call('POST', 'sys/mounts/secret', { body: { type: 'kv-v2' } })
    const acknowledged: number[] = []
    const KILL_AFTER = 200
    let stop = false
    let enough!: () => void
    const reached = new Promise<void>((resolve) => {
      enough = resolve
    })
    const writer = async (lane: number) => {
      for (let i = 0; !stop && i < 400; i++) {
        const n = lane * 1000 + i
        const res = await call('POST', `secret/data/k${n}`, { body: { data: { n } } }).catch(() => undefined)
        if (res?.status === 200 && acknowledged.push(n) === KILL_AFTER) enough()
      }
    }
    const lanes = Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(writer))
    // Kill once enough writes are acknowledged; writers that give up first (or never get there) fail the test.
    await withDeadline(Promise.race([reached, lanes]), `${KILL_AFTER} acknowledged writes`, 120_000).catch(
      (error: Error) => {
        first.child.kill('SIGKILL')
        throw error
      },
    )
    first.child.kill('SIGKILL')
    stop = true
    assert.ok(
      acknowledged.length >= KILL_AFTER,
      `the writers stopped after ${acknowledged.length} acknowledged writes:\n${first.output()}`,
    )
    await withDeadline(lanes, 'the writers to stop after kill -9')
    await first.stop()
    const acked = [...acknowledged]

    const second = await spawnServer([`-config=${config}`])
    try {
      const again = client(second.address, root)
      await again('PUT', 'sys/unseal', { body: { key } })
      for (const n of acked) {
        const read = await again('GET', `secret/data/k${n}`)
        assert.equal(read.status, 200, `acknowledged write k${n} was lost`)
        assert.equal(read.body.data.data.n, n)
      }
    } finally {
      await second.stop()
    }
  })

  it('serves HTTPS with the configured certificate', async (t) => {
    const dir = tempDir(t, 'coffer-tls-')
    const made = makeSelfSignedCert(dir)
    assert.ok(made, 'openssl is needed to make a test certificate')
    const { cert, key: keyFile } = made
    const file = join(dir, 'coffer.hcl')
    writeFileSync(
      file,
      `storage "sqlite" {\n  path = "${join(dir, 'data', 'coffer.db')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_cert_file = "${cert}"\n  tls_key_file = "${keyFile}"\n}\n`,
    )
    const server = await spawnServer([`-config=${file}`])
    try {
      assert.match(server.address, /^https:\/\//)
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get(`${server.address}/v1/sys/health`, { ca: readFileSync(cert) }, (res) => {
            let text = ''
            res.on('data', (c) => (text += c))
            res.on('end', () => resolve(`${res.statusCode} ${text}`))
          })
          .on('error', reject)
      })
      assert.match(body, /^501 /)
      assert.match(body, /"initialized":false/)
      await assert.rejects(
        new Promise((resolve, reject) =>
          https.get(`${server.address}/v1/sys/health`, resolve).on('error', reject),
        ),
        /self-signed|certificate/,
      )
    } finally {
      await server.stop()
    }
  })
})
