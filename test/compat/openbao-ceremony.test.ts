// OpenBao's core- and CLI-level rekey and generate-root tests (state machine edges), replayed over HTTP against Coffer.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as openpgp from 'openpgp'
import { type Reply, startSealedServer, type TestServer } from '../helpers/server.ts'

/** A sealed server initialised with `shares`/`threshold` and unsealed; its shares and root token. */
async function initialised(shares: number, threshold: number) {
  const t = await startSealedServer()
  const init = await t.call('PUT', 'sys/init', {
    token: '',
    body: { secret_shares: shares, secret_threshold: threshold },
  })
  assert.equal(init.status, 200, JSON.stringify(init.body))
  const keys: string[] = init.body.keys
  for (const key of keys.slice(0, threshold)) await t.call('PUT', 'sys/unseal', { token: '', body: { key } })
  return { t, keys, root: init.body.root_token as string }
}

function errorText(reply: Reply): string {
  return (reply.body?.errors ?? []).join('; ')
}

function assertRefused(reply: Reply, status: number, text: string | RegExp): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body))
  if (typeof text === 'string') assert.ok(errorText(reply).includes(text), errorText(reply))
  else assert.match(errorText(reply), text)
}

/** The share with its first byte changed: well-formed, but not a share of the key. */
function corrupt(hex: string): string {
  const bytes = Buffer.from(hex, 'hex')
  bytes[0] = (bytes[0]! + 1) & 0xff
  return bytes.toString('hex')
}

/** A fresh PGP key pair: the public key as Vault takes it (base64 of the binary key), and the private key. */
async function keyPair(): Promise<{ pub: string; priv: openpgp.PrivateKey }> {
  const { publicKey: armored, privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'ceremony test' }],
    format: 'armored',
  })
  return {
    pub: Buffer.from((await openpgp.readKey({ armoredKey: armored })).write()).toString('base64'),
    priv: await openpgp.readPrivateKey({ armoredKey: privateKey }),
  }
}

async function publicKey(): Promise<string> {
  return (await keyPair()).pub
}

describe('rekey_test.go, operator_rekey_test.go (3-of-3 barrier)', () => {
  let t: TestServer
  let keys: string[] = []
  let root = ''
  before(async () => {
    ;({ t, keys, root } = await initialised(3, 3))
  })
  after(() => t.close())

  const init = (body: Record<string, unknown>) => t.call('PUT', 'sys/rekey/init', { token: root, body })
  const update = (nonce: string, key: string) =>
    t.call('PUT', 'sys/rekey/update', { token: root, body: { nonce, key } })
  const progress = async () => (await t.call('GET', 'sys/rekey/init', { token: '' })).body.progress

  it('TestCore_Rekey_Lifecycle: no update without a rekey; init, status, cancel', async () => {
    assertRefused(await update('abcd', keys[0]!), 400, 'no barrier rekey in progress')
    const started = await init({ secret_shares: 1, secret_threshold: 1 })
    assert.equal(started.status, 200)
    assert.equal(started.body.started, true)
    assert.equal(started.body.n, 1)
    assert.equal(started.body.t, 1)
    assert.equal((await t.call('DELETE', 'sys/rekey/init', { token: root })).status, 204)
    assert.equal((await t.call('GET', 'sys/rekey/init', { token: '' })).body.started, false)
  })

  it('TestCore_Rekey_Init: a bad config is refused; a second init while one runs is refused', async () => {
    assertRefused(await init({ secret_shares: 1, secret_threshold: 5 }), 400, 'threshold')
    const started = await init({ secret_shares: 5, secret_threshold: 3 })
    assert.equal(started.status, 200)
    assertRefused(await init({ secret_shares: 5, secret_threshold: 3 }), 400, 'rekey already in progress')
    // The running attempt is untouched by the refused one.
    const status = await t.call('GET', 'sys/rekey/init', { token: '' })
    assert.equal(status.body.nonce, started.body.nonce)
    assert.equal((await t.call('DELETE', 'sys/rekey/init', { token: root })).status, 204)
  })

  it('operator_rekey_test.go validations: share counts, thresholds and PGP keys', async () => {
    assertRefused(
      await init({ secret_shares: 256, secret_threshold: 3 }),
      400,
      'shares must be less than 256',
    )
    assertRefused(await init({ secret_shares: 0, secret_threshold: 0 }), 400, 'shares must be at least one')
    assertRefused(
      await init({ secret_shares: 5, secret_threshold: 1 }),
      400,
      'threshold must be greater than one for multiple shares',
    )
    assertRefused(await init({ secret_shares: 3, secret_threshold: 4 }), 400, 'threshold')
    assertRefused(
      await init({ secret_shares: 2, secret_threshold: 2, pgp_keys: ['not a key', 'nor this'] }),
      400,
      /pgp/i,
    )
    assertRefused(
      await init({ secret_shares: 3, secret_threshold: 2, backup: true }),
      400,
      'cannot request a backup of the new keys without providing PGP keys for encryption',
    )
    assertRefused(
      await init({ secret_shares: 3, secret_threshold: 2, pgp_keys: [await publicKey()] }),
      400,
      'incorrect number of PGP keys for rekey',
    )
    // None of the refusals left an attempt behind.
    assert.equal((await t.call('GET', 'sys/rekey/init', { token: '' })).body.started, false)
  })

  it('TestCore_Rekey_Invalid: a wrong nonce, a repeated share and a missing key do not advance progress', async () => {
    const { nonce } = (await init({ secret_shares: 5, secret_threshold: 3 })).body
    assertRefused(
      await update('abcd', keys[0]!),
      400,
      `incorrect nonce supplied; nonce for this rekey operation is "${nonce}"`,
    )
    assert.equal(await progress(), 0)
    assert.equal((await update(nonce, keys[0]!)).status, 200)
    assertRefused(
      await update(nonce, keys[0]!),
      400,
      'given key has already been provided during this generation operation',
    )
    // The same share in base64 is still the same share.
    assertRefused(
      await update(nonce, Buffer.from(keys[0]!, 'hex').toString('base64')),
      400,
      'given key has already been provided',
    )
    assertRefused(
      await t.call('PUT', 'sys/rekey/update', { token: root, body: { nonce } }),
      400,
      "'key' must be specified in request body as JSON",
    )
    assert.equal(
      (await t.call('PUT', 'sys/rekey/update', { token: root, body: { nonce, key: 'zz' } })).status,
      400,
    )
    assert.equal(await progress(), 1)
    assert.equal((await t.call('DELETE', 'sys/rekey/init', { token: root })).status, 204)
  })

  it('TestCore_Rekey_Invalid: a wrong share at the threshold fails and resets progress; the barrier key stays', async () => {
    const { nonce } = (await init({ secret_shares: 5, secret_threshold: 3 })).body
    await update(nonce, keys[0]!)
    await update(nonce, keys[1]!)
    const failed = await update(nonce, corrupt(keys[2]!))
    assert.equal(failed.status, 400, JSON.stringify(failed.body))
    assert.equal(failed.body.keys, undefined)
    assert.equal(await progress(), 0)
    // The shares entered before the failure are spent: a threshold is needed again.
    const again = await update(nonce, keys[2]!)
    assert.equal(again.status, 200)
    assert.equal(again.body.progress, 1)
    assert.equal(again.body.complete, undefined)
    assert.equal((await t.call('DELETE', 'sys/rekey/init', { token: root })).status, 204)
  })

  it('operator_rekey_test.go cancel: progress is reset, and cancelled shares do not count towards a new rekey', async () => {
    const first = (await init({ secret_shares: 5, secret_threshold: 3 })).body.nonce
    await update(first, keys[0]!)
    await update(first, keys[1]!)
    assert.equal((await t.call('DELETE', 'sys/rekey/init', { token: root })).status, 204)
    const second = (await init({ secret_shares: 5, secret_threshold: 3 })).body.nonce
    assert.notEqual(second, first)
    assert.equal(await progress(), 0)
    // The old nonce is dead.
    assertRefused(await update(first, keys[2]!), 400, 'incorrect nonce supplied')
    const one = await update(second, keys[2]!)
    assert.equal(one.body.progress, 1)
    assert.equal(one.body.complete, undefined)
    assert.equal((await t.call('DELETE', 'sys/rekey/init', { token: root })).status, 204)
  })

  it('TestCore_Rekey_Update: new shares only at completion; old shares stop unsealing, new ones do', async () => {
    const { nonce } = (await init({ secret_shares: 5, secret_threshold: 3 })).body
    for (const key of keys.slice(0, 2)) {
      const res = await update(nonce, key)
      assert.equal(res.body.keys, undefined, 'no shares before the threshold')
    }
    const done = await update(nonce, keys[2]!)
    assert.equal(done.status, 200)
    assert.equal(done.body.complete, true)
    const fresh: string[] = done.body.keys
    assert.equal(fresh.length, 5)
    assert.equal(new Set(fresh).size, 5)
    assert.deepEqual(
      done.body.keys_base64,
      fresh.map((key) => Buffer.from(key, 'hex').toString('base64')),
    )
    assert.equal((await t.call('GET', 'sys/rekey/init', { token: '' })).body.started, false)
    const seal = await t.call('GET', 'sys/seal-status', { token: '' })
    assert.equal(seal.body.t, 3)
    assert.equal(seal.body.n, 5)

    assert.equal((await t.call('PUT', 'sys/seal', { token: root })).status, 204)
    for (const key of keys) await t.call('PUT', 'sys/unseal', { token: '', body: { key } })
    assert.equal(
      (await t.call('GET', 'sys/seal-status', { token: '' })).body.sealed,
      true,
      'old shares unsealed',
    )
    await t.call('PUT', 'sys/unseal', { token: '', body: { reset: true } })
    let last: Reply | undefined
    for (const key of fresh.slice(2)) last = await t.call('PUT', 'sys/unseal', { token: '', body: { key } })
    assert.equal(last?.body.sealed, false)
    keys = fresh
  })

  it('TestSysRekey_Verification: shares take effect only after a threshold of them is entered back', async () => {
    const started = await init({ secret_shares: 3, secret_threshold: 2, require_verification: true })
    assert.equal(started.body.verification_required, true)
    const { nonce } = started.body
    // Before the new shares exist there is nothing to verify yet (Vault: started is whether a verification nonce exists).
    const early = await t.call('GET', 'sys/rekey/verify', { token: root })
    assert.deepEqual(early.body, { nonce: '', started: false, t: 2, n: 3, progress: 0 })
    await update(nonce, keys[0]!)
    await update(nonce, keys[1]!)
    const done = await update(nonce, keys[2]!)
    assert.equal(done.status, 200)
    assert.equal(done.body.verification_required, true)
    const vnonce: string = done.body.verification_nonce
    assert.ok(vnonce)
    assert.notEqual(vnonce, nonce)
    const fresh: string[] = done.body.keys
    assert.equal(fresh.length, 3)

    // The old shares still rule until verification completes; another update is refused with the nonce.
    assertRefused(
      await update(nonce, keys[3]!),
      400,
      `rekey operation already finished; verification must be performed; nonce for the verification operation is "${vnonce}"`,
    )
    const status = await t.call('GET', 'sys/rekey/init', { token: '' })
    assert.equal(status.body.verification_nonce, vnonce)
    assert.equal((await t.call('GET', 'sys/seal-status', { token: '' })).body.n, 5)

    const verify = (n: string, key: string) =>
      t.call('PUT', 'sys/rekey/verify', { token: root, body: { nonce: n, key } })
    assertRefused(
      await verify('abcd', fresh[0]!),
      400,
      `incorrect nonce supplied; nonce for this verify operation is "${vnonce}"`,
    )
    assert.equal((await t.call('GET', 'sys/rekey/verify', { token: root })).body.progress, 0)
    assert.equal((await verify(vnonce, fresh[0]!)).body.progress, 1)
    assertRefused(
      await verify(vnonce, fresh[0]!),
      400,
      'given key has already been provided during this verify operation',
    )
    // An old share is not one of the new ones: the verification fails, and a new verification nonce is drawn.
    assertRefused(await verify(vnonce, keys[0]!), 400, 'rekey verification failed')
    const restarted = await t.call('GET', 'sys/rekey/verify', { token: root })
    assert.equal(restarted.body.progress, 0)
    const vnonce2: string = restarted.body.nonce
    assert.notEqual(vnonce2, vnonce)

    // DELETE restarts verification with yet another nonce.
    const reset = await t.call('DELETE', 'sys/rekey/verify', { token: root })
    assert.equal(reset.status, 200)
    assert.notEqual(reset.body.nonce, vnonce2)
    const vnonce3: string = reset.body.nonce
    assert.equal((await verify(vnonce3, fresh[1]!)).body.progress, 1)
    const complete = await verify(vnonce3, fresh[2]!)
    assert.equal(complete.status, 200)
    assert.deepEqual(complete.body, { nonce: vnonce3, complete: true })
    const seal = await t.call('GET', 'sys/seal-status', { token: '' })
    assert.equal(seal.body.n, 3)
    assert.equal(seal.body.t, 2)
    assert.equal((await t.call('GET', 'sys/rekey/init', { token: '' })).body.started, false)
    keys = fresh
  })

  it('operator_rekey_test.go init_pgp / backup: shares come back encrypted, and the backup holds them', async () => {
    const pairs = [await keyPair(), await keyPair()]
    const pgp = pairs.map((pair) => pair.pub)
    const started = await init({ secret_shares: 2, secret_threshold: 2, pgp_keys: pgp, backup: true })
    assert.equal(started.status, 200, JSON.stringify(started.body))
    assert.equal(started.body.pgp_fingerprints.length, 2)
    assert.equal(started.body.backup, true)
    await update(started.body.nonce, keys[0]!)
    const done = await update(started.body.nonce, keys[1]!)
    assert.equal(done.body.complete, true)
    assert.equal(done.body.keys.length, 2)
    // Encrypted shares are far longer than a 33-byte share.
    for (const key of done.body.keys) assert.ok(key.length > 200)
    const backup = await t.call('GET', 'sys/rekey/backup', { token: root })
    assert.equal(backup.status, 200)
    assert.equal(backup.body.data.nonce, started.body.nonce)
    assert.deepEqual(Object.keys(backup.body.data.keys).sort(), [...started.body.pgp_fingerprints].sort())

    // Each share decrypts, with its own private key, to the share in hex (as Vault's), and the two unseal.
    const plain: string[] = []
    for (const [i, key] of (done.body.keys as string[]).entries()) {
      const message = await openpgp.readMessage({ binaryMessage: Buffer.from(key, 'hex') })
      const { data } = await openpgp.decrypt({ message, decryptionKeys: pairs[i]!.priv, format: 'utf8' })
      assert.match(String(data), /^[0-9a-f]{66}$/)
      plain.push(String(data))
    }
    assert.equal((await t.call('PUT', 'sys/seal', { token: root })).status, 204)
    await t.call('PUT', 'sys/unseal', { token: '', body: { key: plain[0] } })
    const opened = await t.call('PUT', 'sys/unseal', { token: '', body: { key: plain[1] } })
    assert.equal(opened.body.sealed, false)
  })
})

describe('rekey_test.go, generate_root_test.go (1-of-1 barrier)', () => {
  let t: TestServer
  let keys: string[] = []
  let root = ''
  let auditDir = ''
  const handedOut: string[] = []
  before(async () => {
    ;({ t, keys, root } = await initialised(1, 1))
    auditDir = mkdtempSync(join(tmpdir(), 'coffer-ceremony-audit-'))
    const enabled = await t.call('PUT', 'sys/audit/file', {
      token: root,
      body: { type: 'file', options: { file_path: join(auditDir, 'audit.log') } },
    })
    assert.equal(enabled.status, 204, JSON.stringify(enabled.body))
  })
  after(async () => {
    await t.close()
    rmSync(auditDir, { recursive: true, force: true })
  })

  it('TestCore_Rekey_Invalid: with a 1-of-1 key, a wrong share fails the rekey and progress stays 0', async () => {
    const started = await t.call('PUT', 'sys/rekey/init', {
      token: root,
      body: { secret_shares: 5, secret_threshold: 3 },
    })
    const { nonce } = started.body
    const update = (n: string, key: string) =>
      t.call('PUT', 'sys/rekey/update', { token: root, body: { nonce: n, key } })
    assertRefused(await update('abcd', keys[0]!), 400, 'incorrect nonce supplied')
    const failed = await update(nonce, corrupt(keys[0]!))
    assert.equal(failed.status, 400, JSON.stringify(failed.body))
    assert.equal(failed.body.keys, undefined)
    assert.doesNotMatch(errorText(failed), new RegExp(keys[0]!, 'i'))
    assert.equal((await t.call('GET', 'sys/rekey/init', { token: '' })).body.progress, 0)
    assert.equal((await t.call('DELETE', 'sys/rekey/init', { token: root })).status, 204)
  })

  it('operator_rekey_test.go: secret_shares=1 with threshold 1 rekeys to a single share', async () => {
    const { nonce } = (
      await t.call('PUT', 'sys/rekey/init', { token: root, body: { secret_shares: 1, secret_threshold: 1 } })
    ).body
    const done = await t.call('PUT', 'sys/rekey/update', { token: root, body: { nonce, key: keys[0] } })
    assert.equal(done.body.complete, true)
    assert.equal(done.body.keys.length, 1)
    assert.notEqual(done.body.keys[0], keys[0])
    handedOut.push(...keys, ...done.body.keys, ...done.body.keys_base64)
    keys = done.body.keys
  })

  it('TestSysRekey_Verification: a cancel during verification discards the new shares; the old one still rules', async () => {
    const { nonce } = (
      await t.call('PUT', 'sys/rekey/init', {
        token: root,
        body: { secret_shares: 1, secret_threshold: 1, require_verification: true },
      })
    ).body
    const done = await t.call('PUT', 'sys/rekey/update', { token: root, body: { nonce, key: keys[0] } })
    assert.equal(done.status, 200)
    const discarded: string = done.body.keys[0]
    const vnonce: string = done.body.verification_nonce
    handedOut.push(discarded)
    assert.equal((await t.call('DELETE', 'sys/rekey/init', { token: root })).status, 204)
    assertRefused(
      await t.call('PUT', 'sys/rekey/verify', { token: root, body: { nonce: vnonce, key: discarded } }),
      400,
      'no rekey in progress',
    )
    // The barrier still opens with the old share and not with the discarded one.
    assert.equal((await t.call('PUT', 'sys/seal', { token: root })).status, 204)
    const wrong = await t.call('PUT', 'sys/unseal', { token: '', body: { key: discarded } })
    assert.equal(wrong.status, 400, JSON.stringify(wrong.body))
    assert.doesNotMatch(errorText(wrong), new RegExp(discarded, 'i'))
    assert.equal((await t.call('GET', 'sys/seal-status', { token: '' })).body.sealed, true)
    assert.equal(
      (await t.call('PUT', 'sys/unseal', { token: '', body: { key: keys[0] } })).body.sealed,
      false,
    )
  })

  it('TestCore_Rekey_Lifecycle / TestCore_GenerateRoot_Lifecycle: a seal drops both ceremonies and their shares', async () => {
    await t.call('PUT', 'sys/rekey/init', { token: root, body: { secret_shares: 3, secret_threshold: 2 } })
    await t.call('PUT', 'sys/generate-root/attempt', { token: '', body: {} })
    assert.equal((await t.call('PUT', 'sys/seal', { token: root })).status, 204)
    assert.equal((await t.call('GET', 'sys/rekey/init', { token: '' })).status, 503)
    assert.equal(
      (await t.call('PUT', 'sys/unseal', { token: '', body: { key: keys[0] } })).body.sealed,
      false,
    )
    assert.equal((await t.call('GET', 'sys/rekey/init', { token: '' })).body.started, false)
    assert.equal((await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body.started, false)
  })

  it('no old or new share reaches the audit log in clear', async () => {
    const log = readFileSync(join(auditDir, 'audit.log'), 'utf8')
    assert.ok(log.includes('sys/rekey/update'), 'the rekey was audited')
    assert.ok(handedOut.length >= 4)
    for (const secret of handedOut) assert.ok(!log.includes(secret), 'a share is in the audit log in clear')
  })

  it('TestCore_GenerateRoot_Init: a second init while one runs is refused', async () => {
    const started = await t.call('PUT', 'sys/generate-root/attempt', { token: '', body: {} })
    assert.equal(started.status, 200)
    assertRefused(
      await t.call('PUT', 'sys/generate-root/attempt', { token: '', body: { pgp_key: await publicKey() } }),
      400,
      'root generation already in progress',
    )
    const status = await t.call('GET', 'sys/generate-root/attempt', { token: '' })
    assert.equal(status.body.nonce, started.body.nonce)
    assert.equal(status.body.pgp_fingerprint, '')
    assert.equal((await t.call('DELETE', 'sys/generate-root/attempt', { token: '' })).status, 204)
  })

  it('TestCore_GenerateRoot_InvalidRootNonce: wrong nonce and a wrong key mint nothing', async () => {
    const started = await t.call('PUT', 'sys/generate-root/attempt', { token: '', body: {} })
    const { nonce } = started.body
    const update = (n: string, key: string) =>
      t.call('PUT', 'sys/generate-root/update', { token: '', body: { nonce: n, key } })
    assertRefused(
      await update('abcd', keys[0]!),
      400,
      `incorrect nonce supplied; nonce for this root generation operation is "${nonce}"`,
    )
    const failed = await update(nonce, corrupt(keys[0]!))
    assert.equal(failed.status, 400)
    assert.equal(failed.body.encoded_token, undefined)
    assert.equal((await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body.progress, 0)
    assert.equal((await t.call('DELETE', 'sys/generate-root/attempt', { token: '' })).status, 204)
  })
})

describe('logical_system_generate_root_test.go, operator_generate_root_test.go (3-of-5 barrier)', () => {
  let t: TestServer
  let keys: string[] = []
  let root = ''
  let auditDir = ''
  before(async () => {
    ;({ t, keys, root } = await initialised(5, 3))
    auditDir = mkdtempSync(join(tmpdir(), 'coffer-ceremony-audit-'))
    const enabled = await t.call('PUT', 'sys/audit/file', {
      token: root,
      body: { type: 'file', options: { file_path: join(auditDir, 'audit.log') } },
    })
    assert.equal(enabled.status, 204, JSON.stringify(enabled.body))
  })
  after(async () => {
    await t.close()
    rmSync(auditDir, { recursive: true, force: true })
  })

  const attempt = (body: Record<string, unknown>) =>
    t.call('PUT', 'sys/generate-root/attempt', { token: '', body })
  const update = (body: Record<string, unknown>) =>
    t.call('PUT', 'sys/generate-root/update', { token: '', body })
  const secrets: string[] = []

  it('TestGenerateRoot_Failure: bad OTP, missing nonce/key, bad keys; then one share counts', async () => {
    assertRefused(await attempt({ otp: 'wrong length' }), 400, 'OTP string is wrong length')
    assert.equal((await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body.started, false)
    const started = await attempt({ otp: '' })
    assert.equal(started.status, 200)
    const { nonce } = started.body
    secrets.push(started.body.otp)
    assert.equal((await update({})).status, 400)
    assertRefused(await update({ nonce }), 400, "'key' must be specified in request body as JSON")
    assert.equal((await update({ nonce, key: 'invalid-key' })).status, 400)
    assert.equal((await update({ nonce, key: keys[0]!.slice(0, 1) })).status, 400)
    assert.equal((await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body.progress, 0)
    const one = await update({ nonce, key: keys[0] })
    assert.equal(one.status, 200)
    assert.deepEqual(
      { ...one.body, otp_length: undefined, encoded_root_token: undefined, otp: undefined },
      {
        started: true,
        complete: false,
        progress: 1,
        required: 3,
        nonce,
        encoded_token: '',
        encoded_root_token: undefined,
        pgp_fingerprint: '',
        otp: undefined,
        otp_length: undefined,
      },
    )
  })

  it('operator_generate_root_test.go: a repeated share does not count twice', async () => {
    const { nonce } = (await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body
    assertRefused(
      await update({ nonce, key: keys[0] }),
      400,
      'given key has already been provided during this generation operation',
    )
    assertRefused(
      await update({ nonce, key: Buffer.from(keys[0]!, 'hex').toString('base64') }),
      400,
      'given key has already been provided',
    )
    assert.equal((await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body.progress, 1)
  })

  it('operator_generate_root_test.go cancel: progress resets; cancelled shares do not count towards a new attempt', async () => {
    const old = (await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body.nonce
    await update({ nonce: old, key: keys[1] })
    assert.equal((await t.call('DELETE', 'sys/generate-root/attempt', { token: '' })).status, 204)
    const fresh = await attempt({})
    secrets.push(fresh.body.otp)
    assert.equal(fresh.body.progress, 0)
    assertRefused(await update({ nonce: old, key: keys[2] }), 400, 'incorrect nonce supplied')
    const one = await update({ nonce: fresh.body.nonce, key: keys[2] })
    assert.equal(one.body.progress, 1)
    assert.equal(one.body.complete, false)
    assert.equal(one.body.encoded_token, '')
    assert.equal((await t.call('DELETE', 'sys/generate-root/attempt', { token: '' })).status, 204)
  })

  it('operator_generate_root_test.go init_pgp: an invalid PGP key is refused, a valid one is fingerprinted', async () => {
    assertRefused(await attempt({ pgp_key: 'not-a-key' }), 400, /pgp/i)
    assert.equal((await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body.started, false)
    const pair = await keyPair()
    const started = await attempt({ pgp_key: pair.pub })
    assert.equal(started.status, 200)
    assert.match(started.body.pgp_fingerprint, /^[0-9a-f]{40}$/)
    assert.equal(started.body.otp, '')
    const { nonce } = started.body
    await update({ nonce, key: keys[0] })
    await update({ nonce, key: keys[1] })
    const done = await update({ nonce, key: keys[2] })
    assert.equal(done.body.complete, true)
    assert.equal(done.body.pgp_fingerprint, started.body.pgp_fingerprint)
    // TestCore_GenerateRoot_Update_PGP: the private key decrypts a working root token.
    const message = await openpgp.readMessage({
      binaryMessage: Buffer.from(done.body.encoded_token, 'base64'),
    })
    const { data: token } = await openpgp.decrypt({ message, decryptionKeys: pair.priv, format: 'utf8' })
    const lookup = await t.call('GET', 'auth/token/lookup-self', { token: String(token) })
    assert.equal(lookup.status, 200)
    assert.deepEqual(lookup.body.data.policies, ['root'])
    secrets.push(done.body.encoded_token, String(token))
  })

  it('TestSystemBackend_decodeToken / operator_generate_root_test.go decode: the OTP decodes the token once', async () => {
    const started = await attempt({})
    const { nonce, otp } = started.body
    secrets.push(otp)
    let last: Reply | undefined
    for (const key of keys.slice(2, 5)) {
      last = await update({ nonce, key })
      if (last.body.complete !== true) assert.equal(last.body.encoded_token, '', 'no token before completion')
    }
    assert.equal(last?.body.complete, true)
    const encoded = Buffer.from(last!.body.encoded_token, 'base64')
    const token = Buffer.from(encoded.map((byte, i) => byte ^ otp.charCodeAt(i))).toString()
    secrets.push(last!.body.encoded_token, token)
    const lookup = await t.call('GET', 'auth/token/lookup-self', { token })
    assert.equal(lookup.status, 200)
    assert.deepEqual(lookup.body.data.policies, ['root'])
    // The attempt is over: the same shares cannot mint another.
    assertRefused(await update({ nonce, key: keys[0] }), 400, 'no root generation in progress')
  })

  it('TestSystemBackend_decodeToken: sys/decode-token, unauthenticated; both fields are required', async () => {
    const decode = (body: Record<string, unknown>) => t.call('PUT', 'sys/decode-token', { token: '', body })
    const encoded_token = 'Bxg9JQQqOCNKBRICNwMIRzo2J3cWCBRi'
    const otp = '3JhHkONiyiaNYj14nnD9xZQS'
    const decoded = await decode({ encoded_token, otp })
    assert.equal(decoded.status, 200, JSON.stringify(decoded.body))
    assert.equal(decoded.body.data.token, '4RUmoevJ3lsLni9sTXcNnRE1')
    secrets.push(encoded_token, otp, decoded.body.data.token)
    for (const body of [{}, { encoded_token }, { otp }]) {
      assertRefused(await decode(body), 400, "provided 'encoded_token' or 'otp' is empty")
    }
    // A mismatched OTP is a 400 that repeats neither value.
    const wrong = await decode({ encoded_token, otp: 'short' })
    assert.equal(wrong.status, 400)
    assert.ok(!errorText(wrong).includes('short') && !errorText(wrong).includes(encoded_token))
  })

  it('TestCore_Unseal_MultiShare: a repeated unseal share does not count twice', async () => {
    assert.equal((await t.call('PUT', 'sys/seal', { token: root })).status, 204)
    const unseal = (key: string) => t.call('PUT', 'sys/unseal', { token: '', body: { key } })
    assert.equal((await unseal(keys[0]!)).body.progress, 1)
    assert.equal((await unseal(keys[0]!)).body.progress, 1)
    assert.equal((await unseal(Buffer.from(keys[0]!, 'hex').toString('base64'))).body.progress, 1)
    assert.equal((await unseal(keys[1]!)).body.progress, 2)
    assert.equal((await unseal(keys[1]!)).body.sealed, true)
    assert.equal((await unseal(keys[2]!)).body.sealed, false)
  })

  it('no share, OTP or minted token reaches the audit log in clear', async () => {
    const log = readFileSync(join(auditDir, 'audit.log'), 'utf8')
    assert.ok(log.includes('sys/generate-root/update'), 'the ceremony was audited')
    assert.ok(log.includes('sys/decode-token'), 'the decoding was audited')
    for (const secret of [...keys, ...secrets]) {
      assert.ok(secret.length > 0)
      assert.ok(!log.includes(secret), 'a secret is in the audit log in clear')
    }
    for (const key of keys) assert.ok(!log.includes(Buffer.from(key, 'hex').toString('base64')))
  })
})
