// sys/rekey end to end: new shares (PGP-encrypted, backed up, verified), wrong shares, audit, and a real restart.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type GpgOperator, gpgOperator } from '../helpers/gpg.ts'
import { spawnServer } from '../helpers/process.ts'
import { client, makeTempDir, startSealedServer, type TestServer } from '../helpers/server.ts'

type Call = TestServer['call']

async function rekeyWith(call: Call, shares: string[], body: Record<string, unknown>) {
  const init = await call('PUT', 'sys/rekey/init', { token: '', body })
  assert.equal(init.status, 200, JSON.stringify(init.body))
  let last = init
  for (const key of shares) {
    last = await call('PUT', 'sys/rekey/update', { token: '', body: { key, nonce: init.body.nonce } })
    assert.equal(last.status, 200, JSON.stringify(last.body))
  }
  return last.body
}

async function unsealWith(call: Call, shares: string[]) {
  let last: { body: { sealed: boolean } } | undefined
  for (const key of shares) last = await call('PUT', 'sys/unseal', { body: { key } })
  return last!.body.sealed
}

describe('sys/rekey', () => {
  let t: TestServer
  let keys: string[] = []
  let root = ''
  const operators: GpgOperator[] = []
  const temp = makeTempDir('coffer-rekey-')
  const auditFile = join(temp.dir, 'audit.log')
  before(async () => {
    t = await startSealedServer()
    const init = await t.call('PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 2 } })
    keys = init.body.keys
    root = init.body.root_token
    await unsealWith(t.call, keys.slice(0, 2))
    await t.call('PUT', 'sys/audit/file', {
      token: root,
      body: { type: 'file', options: { file_path: auditFile } },
    })
    assert.equal(
      (await t.call('PUT', 'cubbyhole/kept', { token: root, body: { v: 'still here' } })).status,
      204,
    )
  })
  after(async () => {
    await t.close()
    for (const operator of operators) operator.remove()
    temp.remove()
  })

  it('reports status, refuses bad configurations and cancels', async () => {
    const idle = await t.call('GET', 'sys/rekey/init', { token: '' })
    assert.deepEqual(idle.body, {
      nonce: '',
      started: false,
      t: 0,
      n: 0,
      progress: 0,
      required: 2,
      pgp_fingerprints: null,
      backup: false,
      verification_required: false,
    })
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ secret_shares: 2, secret_threshold: 3 }, /threshold greater than the total shares/],
      [{ secret_shares: 3, secret_threshold: 2, backup: true }, /without providing PGP keys/],
      [{ secret_shares: 3, secret_threshold: 2, pgp_keys: ['a'] }, /incorrect number of PGP keys/],
      [{ secret_shares: 1, secret_threshold: 1, pgp_keys: ['keybase:someone'] }, /keybase/],
      [{ secret_shares: 0, secret_threshold: 0 }, /shares must be at least one/],
    ]
    for (const [body, message] of cases) {
      const bad = await t.call('PUT', 'sys/rekey/init', { token: '', body })
      assert.equal(bad.status, 400, JSON.stringify(body))
      assert.match(bad.body.errors[0], message)
    }
    const started = await t.call('PUT', 'sys/rekey/init', {
      token: '',
      body: { secret_shares: 5, secret_threshold: 3 },
    })
    assert.equal(started.body.started, true)
    assert.equal(started.body.t, 3)
    assert.equal(started.body.n, 5)
    const again = await t.call('PUT', 'sys/rekey/init', {
      token: '',
      body: { secret_shares: 1, secret_threshold: 1 },
    })
    assert.deepEqual(again.body, { errors: ['rekey already in progress'] })
    assert.equal((await t.call('DELETE', 'sys/rekey/init', { token: '' })).status, 204)
    assert.equal((await t.call('GET', 'sys/rekey/init', { token: '' })).body.started, false)
  })

  it('a wrong share at the threshold is a 400 that resets progress; nothing changes', async () => {
    const init = await t.call('PUT', 'sys/rekey/init', {
      token: '',
      body: { secret_shares: 1, secret_threshold: 1 },
    })
    const nonce = init.body.nonce
    const first = await t.call('PUT', 'sys/rekey/update', { token: '', body: { key: keys[0], nonce } })
    assert.equal(first.body.progress, 1)
    const dup = await t.call('PUT', 'sys/rekey/update', { token: '', body: { key: keys[0], nonce } })
    assert.equal(dup.status, 400)
    const forged = Buffer.from(keys[1]!, 'hex')
    forged[3]! ^= 0x01
    const wrong = await t.call('PUT', 'sys/rekey/update', {
      token: '',
      body: { key: forged.toString('hex'), nonce },
    })
    assert.equal(wrong.status, 400)
    assert.match(wrong.body.errors[0], /root key verification failed/)
    assert.equal((await t.call('GET', 'sys/rekey/init', { token: '' })).body.progress, 0)
    await t.call('DELETE', 'sys/rekey/init', { token: '' })
    await t.call('PUT', 'sys/seal', { token: root })
    assert.equal(await unsealWith(t.call, [keys[2]!, keys[0]!]), false)
  })

  it('rekeys to PGP-encrypted shares with a backup and verification; only then do the new shares take effect', async () => {
    for (const name of ['alice', 'bob', 'carol']) operators.push(gpgOperator(name))
    const result = await rekeyWith(t.call, keys.slice(0, 2), {
      secret_shares: 3,
      secret_threshold: 2,
      pgp_keys: operators.map((operator) => operator.publicKey),
      backup: true,
      require_verification: true,
    })
    assert.equal(result.complete, true)
    assert.equal(result.backup, true)
    assert.equal(result.verification_required, true)
    assert.match(result.verification_nonce, /^[0-9a-f-]{36}$/)
    assert.deepEqual(
      result.pgp_fingerprints,
      operators.map((operator) => operator.fingerprint),
    )
    assert.equal(Buffer.from(result.keys[0], 'hex').toString('base64'), result.keys_base64[0])
    const newKeys = result.keys_base64.map((encrypted: string, i: number) => operators[i]!.decrypt(encrypted))
    for (const key of newKeys) assert.match(key, /^[0-9a-f]{66}$/)

    // Until verified, the old shares are still the ones in force.
    const status = await t.call('GET', 'sys/rekey/init', { token: '' })
    assert.equal(status.body.verification_nonce, result.verification_nonce)
    const blocked = await t.call('PUT', 'sys/rekey/update', {
      token: '',
      body: { key: keys[2], nonce: result.nonce },
    })
    assert.equal(blocked.status, 400)
    assert.match(blocked.body.errors[0], /verification must be performed/)

    // The backup is there for sudo callers.
    const backup = await t.call('GET', 'sys/rekey/backup', { token: root })
    assert.equal(backup.status, 200)
    assert.equal(backup.body.data.nonce, result.nonce)
    assert.deepEqual(backup.body.data.keys[operators[1]!.fingerprint], [result.keys[1]])
    assert.deepEqual(backup.body.data.keys_base64[operators[1]!.fingerprint], [result.keys_base64[1]])
    assert.equal((await t.call('GET', 'sys/rekey/backup', { token: '' })).status, 403)

    // A wrong verification round draws a new nonce and starts over.
    const verify = await t.call('GET', 'sys/rekey/verify', { token: '' })
    assert.deepEqual(verify.body, {
      nonce: result.verification_nonce,
      started: true,
      t: 2,
      n: 3,
      progress: 0,
    })
    await t.call('PUT', 'sys/rekey/verify', {
      token: '',
      body: { key: newKeys[0], nonce: verify.body.nonce },
    })
    const mismatch = await t.call('PUT', 'sys/rekey/verify', {
      token: '',
      body: { key: keys[0], nonce: verify.body.nonce },
    })
    assert.equal(mismatch.status, 400)
    assert.deepEqual(mismatch.body, { errors: ['rekey verification failed; incorrect key shares supplied'] })
    const restarted = (await t.call('GET', 'sys/rekey/verify', { token: '' })).body
    assert.notEqual(restarted.nonce, verify.body.nonce)
    assert.equal(restarted.progress, 0)

    const one = await t.call('PUT', 'sys/rekey/verify', {
      token: '',
      body: { key: newKeys[2], nonce: restarted.nonce },
    })
    assert.equal(one.body.progress, 1)
    const done = await t.call('PUT', 'sys/rekey/verify', {
      token: '',
      body: { key: newKeys[0], nonce: restarted.nonce },
    })
    assert.equal(done.status, 200)
    assert.deepEqual(done.body, { nonce: restarted.nonce, complete: true })
    assert.equal((await t.call('GET', 'sys/rekey/init', { token: '' })).body.started, false)

    await t.call('PUT', 'sys/seal', { token: root })
    const old = await t.call('PUT', 'sys/unseal', { body: { key: keys[0] } })
    assert.equal(old.status, 200)
    const oldDone = await t.call('PUT', 'sys/unseal', { body: { key: keys[1] } })
    assert.equal(oldDone.status, 400)
    assert.equal(await unsealWith(t.call, [newKeys[1]!, newKeys[2]!]), false)
    const kept = await t.call('GET', 'cubbyhole/kept', { token: root })
    assert.equal(kept.body.data.v, 'still here')
    keys = newKeys

    assert.equal((await t.call('DELETE', 'sys/rekey/backup', { token: root })).status, 204)
    // Vault's answer when nothing is backed up: a 400 with this text, not a 404.
    const gone = await t.call('GET', 'sys/rekey/backup', { token: root })
    assert.equal(gone.status, 400)
    assert.deepEqual(gone.body, { errors: ['no backed-up keys found'] })
    const recovery = await t.call('GET', 'sys/rekey/recovery-key-backup', { token: root })
    assert.equal(recovery.status, 400)
    assert.deepEqual(recovery.body, { errors: ['no backed-up keys found'] })

    const log = readFileSync(auditFile, 'utf8')
    // Nonces are not secret (GET sys/rekey/init shows them to anyone, and Vault's errors name them); shares are.
    for (const secret of [...newKeys, ...result.keys, ...result.keys_base64])
      assert.ok(!log.includes(secret), 'a ceremony secret is in the audit log in clear')
    assert.ok(log.includes('"path":"sys/rekey/verify"'))
  })

  it('rotates the root key with sys/rotate/root (sudo); the shares still unseal', async () => {
    assert.equal((await t.call('PUT', 'sys/rotate/root', { token: root })).status, 204)
    await t.call('PUT', 'sys/seal', { token: root })
    assert.equal(await unsealWith(t.call, keys.slice(0, 2)), false)
    assert.equal((await t.call('GET', 'cubbyhole/kept', { token: root })).body.data.v, 'still here')
  })
})

describe('sys/rekey across a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-rekey-restart-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('after a rekey only the new shares unseal a restarted server; an unfinished rekey is dropped', async () => {
    const config = join(dir, 'coffer.hcl')
    writeFileSync(
      config,
      `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n`,
    )
    const first = await spawnServer([`-config=${config}`])
    let newKeys: string[] = []
    let oldKeys: string[] = []
    try {
      const call = client(first.address, '')
      const init = await call('PUT', 'sys/init', { body: { secret_shares: 2, secret_threshold: 2 } })
      oldKeys = init.body.keys
      await unsealWith(call, oldKeys)
      const result = await rekeyWith(call, oldKeys, { secret_shares: 3, secret_threshold: 2 })
      newKeys = result.keys
      assert.equal(newKeys.length, 3)
      assert.equal(result.verification_required, false)
      // Start another rekey and leave it unfinished.
      const pending = await call('PUT', 'sys/rekey/init', { body: { secret_shares: 1, secret_threshold: 1 } })
      assert.equal(pending.body.started, true)
    } finally {
      await first.stop()
    }
    const second = await spawnServer([`-config=${config}`])
    try {
      const call = client(second.address, '')
      const status = (await call('GET', 'sys/seal-status')).body
      assert.equal(status.t, 2)
      assert.equal(status.n, 3)
      await call('PUT', 'sys/unseal', { body: { key: oldKeys[0] } })
      assert.equal((await call('PUT', 'sys/unseal', { body: { key: oldKeys[1] } })).status, 400)
      assert.equal(await unsealWith(call, newKeys.slice(1, 3)), false)
      assert.equal((await call('GET', 'sys/rekey/init')).body.started, false)
    } finally {
      await second.stop()
    }
  })
})
