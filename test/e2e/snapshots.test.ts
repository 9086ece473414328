// Snapshot save and restore over HTTP on SQLite: point-in-time contents come back, forced restores, refusals, sudo.
import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { run } from '../../src/cli/test-io.ts'
import { decodeSnapshot, encodeSnapshot } from '../../src/server/physical/snapshot-format.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'
import { makeTempDir, startSealedServer, type TestServer } from '../helpers/server.ts'

/** One raw storage entry of a snapshot file. */
type Entry = { key: string; value: Uint8Array }

interface Initialised {
  t: TestServer
  keys: string[]
  root: string
}

async function initialisedServer(
  storage?: NonNullable<Parameters<typeof startSealedServer>[0]>['storage'],
): Promise<Initialised> {
  const t = await startSealedServer(storage ? { storage } : {})
  const init = await t.call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
  const keys: string[] = init.body.keys
  await t.call('PUT', 'sys/unseal', { body: { key: keys[0] } })
  const root: string = init.body.root_token
  assert.equal(
    (await t.call('POST', 'sys/mounts/secret', { token: root, body: { type: 'kv-v2' } })).status,
    204,
  )
  return { t, keys, root }
}

async function saveSnapshot(
  t: TestServer,
  token: string,
  path = 'sys/storage/raft/snapshot',
): Promise<Response> {
  return fetch(`${t.address}/v1/${path}`, { headers: { 'x-vault-token': token } })
}

async function restoreSnapshot(
  t: TestServer,
  token: string,
  body: Uint8Array,
  path = 'sys/storage/raft/snapshot',
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${t.address}/v1/${path}`, {
    method: 'POST',
    headers: { 'x-vault-token': token, 'content-type': 'application/octet-stream' },
    body,
  })
  return { status: res.status, text: await res.text() }
}

describe('storage snapshots', () => {
  let a: Initialised
  let b: Initialised
  before(async () => {
    a = await initialisedServer()
    b = await initialisedServer()
  })
  after(async () => {
    await a?.t.close()
    await b?.t.close()
  })

  it('restores the contents as of the snapshot: secrets, tokens and policies', async () => {
    const { t, root } = a
    const write = (path: string, data: Record<string, unknown>) =>
      t.call('POST', `secret/data/${path}`, { token: root, body: { data } })
    assert.equal((await write('app/a', { v: 'A' })).status, 200)
    assert.equal((await write('app/sibling', { v: 'S' })).status, 200)
    assert.equal(
      (
        await t.call('PUT', 'sys/policies/acl/reader', {
          token: root,
          body: { policy: 'path "secret/*" { capabilities = ["read"] }' },
        })
      ).status,
      204,
    )
    const minted = await t.call('POST', 'auth/token/create', { token: root, body: { policies: ['reader'] } })
    const readerToken: string = minted.body.auth.client_token

    const saved = await saveSnapshot(t, root)
    assert.equal(saved.status, 200)
    assert.equal(saved.headers.get('content-type'), 'application/octet-stream')
    const snapshot = new Uint8Array(await saved.arrayBuffer())
    assert.equal(Buffer.from(snapshot.subarray(0, 8)).toString('latin1'), 'COFSNAP\n')
    // No secret value appears in clear in the file.
    assert.equal(Buffer.from(snapshot).includes('"v":"A"'), false)

    assert.equal((await write('app/b', { v: 'B' })).status, 200)
    assert.equal((await t.call('DELETE', 'secret/metadata/app/sibling', { token: root })).status, 204)
    assert.equal((await t.call('DELETE', 'sys/policies/acl/reader', { token: root })).status, 204)

    const restored = await restoreSnapshot(t, root, snapshot, 'sys/storage/snapshot')
    assert.equal(restored.status, 204, restored.text)
    const status = await t.call('GET', 'sys/seal-status')
    assert.equal(status.body.sealed, false)
    assert.equal((await t.call('GET', 'secret/data/app/a', { token: root })).body.data.data.v, 'A')
    assert.equal((await t.call('GET', 'secret/data/app/sibling', { token: root })).body.data.data.v, 'S')
    assert.equal((await t.call('GET', 'secret/data/app/b', { token: root })).status, 404)
    // The token and the policy from before are back, and the token works.
    assert.equal((await t.call('GET', 'sys/policies/acl/reader', { token: root })).status, 200)
    assert.equal((await t.call('GET', 'secret/data/app/a', { token: readerToken })).body.data.data.v, 'A')
  })

  it('audits save and restore without the snapshot bytes', async () => {
    const { t, root } = a
    const temp = makeTempDir('coffer-snap-audit-')
    try {
      const file = join(temp.dir, 'audit.log')
      const enabled = await t.call('PUT', 'sys/audit/file', {
        token: root,
        body: { type: 'file', options: { file_path: file } },
      })
      assert.equal(enabled.status, 204)
      const snapshot = new Uint8Array(
        await (await saveSnapshot(t, root, 'sys/storage/snapshot')).arrayBuffer(),
      )
      assert.equal((await restoreSnapshot(t, root, snapshot, 'sys/storage/snapshot')).status, 204)
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
      const paths = lines
        .filter((l) => l.type === 'request' || l.type === 'response')
        .map((l) => `${l.type} ${l.request?.path}`)
      assert.ok(paths.includes('request sys/storage/snapshot'), paths.join(', '))
      assert.ok(paths.includes('response sys/storage/snapshot'), paths.join(', '))
      const text = readFileSync(file, 'latin1')
      assert.equal(text.includes('COFSNAP'), false)
      assert.equal(text.includes(Buffer.from(snapshot.subarray(0, 8)).toString('base64').slice(0, 10)), false)
      // The restored snapshot holds the audit device too: it was enabled before the snapshot was taken.
      assert.equal((await t.call('DELETE', 'sys/audit/file', { token: root })).status, 204)
    } finally {
      temp.remove()
    }
  })

  it('saves (0600) and restores through the CLI, in both spellings', async () => {
    const { t, root } = a
    const temp = makeTempDir('coffer-snap-cli-')
    try {
      const env = { VAULT_ADDR: t.address, VAULT_TOKEN: root }
      const file = join(temp.dir, 'backup.snap')
      await t.call('POST', 'secret/data/cli', { token: root, body: { data: { v: 'before' } } })
      const saved = await run(['operator', 'snapshot', 'save', file], { env })
      assert.equal(saved.code, 0, saved.stderr)
      assert.equal(statSync(file).mode & 0o777, 0o600)
      await t.call('POST', 'secret/data/cli', { token: root, body: { data: { v: 'after' } } })
      const restored = await run(['operator', 'raft', 'snapshot', 'restore', file], { env })
      assert.equal(restored.code, 0, restored.stderr)
      assert.equal((await t.call('GET', 'secret/data/cli', { token: root })).body.data.data.v, 'before')
      const missing = await run(['operator', 'snapshot', 'restore', join(temp.dir, 'none')], { env })
      assert.equal(missing.code, 1)
    } finally {
      temp.remove()
    }
  })

  it('refuses a corrupted snapshot with 400 and changes nothing', async () => {
    const { t, root } = a
    const snapshot = new Uint8Array(await (await saveSnapshot(t, root)).arrayBuffer())
    await t.call('POST', 'secret/data/after', { token: root, body: { data: { v: 'kept' } } })
    const damaged = snapshot.slice()
    damaged[damaged.length >> 1]! ^= 0x01
    const refused = await restoreSnapshot(t, root, damaged)
    assert.equal(refused.status, 400)
    assert.match(refused.text, /checksum mismatch/)
    const truncated = await restoreSnapshot(t, root, snapshot.subarray(0, snapshot.length - 10))
    assert.equal(truncated.status, 400)
    const notOne = await restoreSnapshot(t, root, new TextEncoder().encode('{"hello":"world"}'))
    assert.equal(notOne.status, 400)
    assert.equal((await t.call('GET', 'sys/seal-status')).body.sealed, false)
    assert.equal((await t.call('GET', 'secret/data/after', { token: root })).body.data.data.v, 'kept')
  })

  it('refuses a snapshot altered under a recomputed checksum, and the server keeps serving', async () => {
    const { t, root, keys } = a
    await t.call('POST', 'secret/data/live', { token: root, body: { data: { v: 'kept' } } })
    const snapshot = new Uint8Array(await (await saveSnapshot(t, root)).arrayBuffer())
    const { entries } = decodeSnapshot(snapshot)
    const altered = async (change: (entry: Entry) => Entry) =>
      encodeSnapshot(
        { storageType: 'sqlite', createdAt: new Date() },
        (async function* () {
          yield* entries.map(change)
        })(),
      )
    // One bit of the mount table's ciphertext: restored, nothing could read it and the server would not unseal.
    const mounts = await altered((entry) => {
      if (entry.key !== 'core/mounts') return entry
      const value = entry.value.slice()
      value[value.length - 1]! ^= 0x01
      return { key: entry.key, value }
    })
    const refused = await restoreSnapshot(t, root, mounts)
    assert.equal(refused.status, 400, refused.text)
    assert.match(refused.text, /does not decrypt/)
    // The seal configuration is kept in clear: a different threshold would leave the key shares useless.
    const config = await altered((entry) =>
      entry.key === 'core/seal-config'
        ? {
            key: entry.key,
            value: new TextEncoder().encode(
              JSON.stringify({ type: 'shamir', secretShares: 3, secretThreshold: 2 }),
            ),
          }
        : entry,
    )
    const refusedConfig = await restoreSnapshot(t, root, config)
    assert.equal(refusedConfig.status, 400, refusedConfig.text)
    assert.match(refusedConfig.text, /seal configuration/)
    assert.equal((await t.call('GET', 'sys/seal-status')).body.sealed, false)
    assert.equal((await t.call('GET', 'secret/data/live', { token: root })).body.data.data.v, 'kept')
    // Still restorable as taken, and the key shares still unseal it.
    assert.equal((await restoreSnapshot(t, root, snapshot)).status, 204)
    assert.equal((await t.call('PUT', 'sys/seal', { token: root })).status, 204)
    assert.equal((await t.call('PUT', 'sys/unseal', { body: { key: keys[0] } })).body.sealed, false)
    assert.equal((await t.call('GET', 'secret/data/live', { token: root })).body.data.data.v, 'kept')
  })

  it('needs sudo: a token without it gets 403 for save and restore', async () => {
    const { t, root } = a
    await t.call('PUT', 'sys/policies/acl/snap-no-sudo', {
      token: root,
      body: { policy: 'path "sys/storage/*" { capabilities = ["read", "update", "create"] }' },
    })
    await t.call('PUT', 'sys/policies/acl/snap-sudo', {
      token: root,
      body: { policy: 'path "sys/storage/snapshot" { capabilities = ["read", "sudo"] }' },
    })
    const plain = (
      await t.call('POST', 'auth/token/create', { token: root, body: { policies: ['snap-no-sudo'] } })
    ).body.auth.client_token
    const sudo = (
      await t.call('POST', 'auth/token/create', { token: root, body: { policies: ['snap-sudo'] } })
    ).body.auth.client_token
    assert.equal((await saveSnapshot(t, plain)).status, 403)
    assert.equal((await saveSnapshot(t, plain, 'sys/storage/snapshot')).status, 403)
    assert.equal((await restoreSnapshot(t, plain, new Uint8Array([1, 2, 3]))).status, 403)
    assert.equal((await saveSnapshot(t, '')).status, 403)
    const allowed = await saveSnapshot(t, sudo, 'sys/storage/snapshot')
    assert.equal(allowed.status, 200)
    await allowed.arrayBuffer()
  })

  it("refuses another server's snapshot unless forced; forced, the server is sealed and opens with the other's keys", async () => {
    const other = b
    await other.t.call('POST', 'secret/data/from-b', { token: other.root, body: { data: { v: 'B-side' } } })
    const snapshot = new Uint8Array(await (await saveSnapshot(other.t, other.root)).arrayBuffer())

    const refused = await restoreSnapshot(a.t, a.root, snapshot)
    assert.equal(refused.status, 400)
    assert.match(refused.text, /cannot be opened with this server's keys/)
    assert.equal((await a.t.call('GET', 'sys/seal-status')).body.sealed, false)

    const forced = await restoreSnapshot(a.t, a.root, snapshot, 'sys/storage/raft/snapshot-force')
    assert.equal(forced.status, 204, forced.text)
    assert.equal((await a.t.call('GET', 'sys/seal-status')).body.sealed, true)
    assert.equal((await a.t.call('GET', 'secret/data/from-b', { token: a.root })).status, 503)
    // A's own key no longer opens the store; B's does.
    assert.equal((await a.t.call('PUT', 'sys/unseal', { body: { key: a.keys[0] } })).status, 400)
    const unsealed = await a.t.call('PUT', 'sys/unseal', { body: { key: other.keys[0] } })
    assert.equal(unsealed.body.sealed, false)
    assert.equal(
      (await a.t.call('GET', 'secret/data/from-b', { token: other.root })).body.data.data.v,
      'B-side',
    )
    assert.equal((await a.t.call('GET', 'secret/data/from-b', { token: a.root })).status, 403)
  })
})

describe('storage snapshots on PostgreSQL', { skip: await unmet(POSTGRES) }, () => {
  let db: TestDatabase
  let a: Initialised
  before(async () => {
    db = await createTestDatabase()
    a = await initialisedServer({
      type: 'postgresql',
      connectionUrl: db.url,
      table: 'coffer_kv_store',
      maxParallel: 4,
      skipCreateTable: false,
      haEnabled: false,
      haTable: 'coffer_ha_locks',
    })
  })
  after(async () => {
    await a?.t.close()
    await db?.drop()
  })

  it('write, snapshot, write more, restore: the later writes are gone and everything else reads back', async () => {
    const { t, root } = a
    const write = (path: string, v: string) =>
      t.call('POST', `secret/data/${path}`, { token: root, body: { data: { v } } })
    assert.equal((await write('kept', 'before')).status, 200)
    const saved = await saveSnapshot(t, root)
    assert.equal(saved.status, 200)
    const snapshot = new Uint8Array(await saved.arrayBuffer())
    assert.equal(Buffer.from(snapshot).includes(Buffer.from('before')), false, 'values stay encrypted')
    assert.equal((await write('kept', 'after')).status, 200)
    assert.equal((await write('later', 'new')).status, 200)
    const restored = await restoreSnapshot(t, root, snapshot)
    assert.equal(restored.status, 204, restored.text)
    assert.equal((await t.call('GET', 'sys/seal-status')).body.sealed, false)
    const kept = await t.call('GET', 'secret/data/kept', { token: root })
    assert.equal(kept.body.data.data.v, 'before')
    assert.equal(kept.body.data.metadata.version, 1)
    assert.equal((await t.call('GET', 'secret/data/later', { token: root })).status, 404)
  })
})
