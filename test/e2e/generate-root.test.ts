// sys/generate-root end to end: OTP and PGP ceremonies, wrong and duplicate shares, audit, and the minted token.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { decrypt, generateKey, readMessage, readPrivateKey } from 'openpgp'
import { decodeRootToken } from '../../src/lib/root-token-otp.ts'
import { makeTempDir, startSealedServer, type TestServer } from '../helpers/server.ts'

describe('sys/generate-root', () => {
  let t: TestServer
  let keys: string[] = []
  let root = ''
  const temp = makeTempDir('coffer-genroot-')
  const auditFile = join(temp.dir, 'audit.log')
  before(async () => {
    t = await startSealedServer()
    const init = await t.call('PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 2 } })
    keys = init.body.keys
    root = init.body.root_token
    for (const key of keys.slice(0, 2)) await t.call('PUT', 'sys/unseal', { body: { key } })
    const audit = await t.call('PUT', 'sys/audit/file', {
      token: root,
      body: { type: 'file', options: { file_path: auditFile } },
    })
    assert.equal(audit.status, 204)
  })
  after(async () => {
    await t.close()
    temp.remove()
  })

  it('reports no attempt, then starts one with a server-drawn OTP shown once', async () => {
    const idle = await t.call('GET', 'sys/generate-root/attempt', { token: '' })
    assert.equal(idle.status, 200)
    assert.deepEqual(idle.body, {
      nonce: '',
      started: false,
      progress: 0,
      required: 2,
      complete: false,
      encoded_token: '',
      encoded_root_token: '',
      pgp_fingerprint: '',
      otp: '',
      otp_length: 51,
    })
    const start = await t.call('PUT', 'sys/generate-root/attempt', { token: '' })
    assert.equal(start.status, 200)
    assert.equal(start.body.started, true)
    assert.match(start.body.otp, /^[A-Za-z0-9]{51}$/)
    assert.match(start.body.nonce, /^[0-9a-f-]{36}$/)
    const again = await t.call('GET', 'sys/generate-root/attempt', { token: '' })
    assert.equal(again.body.otp, '')
    assert.equal(again.body.nonce, start.body.nonce)
    const second = await t.call('PUT', 'sys/generate-root/attempt', { token: '', body: {} })
    assert.equal(second.status, 400)
    assert.deepEqual(second.body, { errors: ['root generation already in progress'] })
    assert.equal((await t.call('DELETE', 'sys/generate-root/attempt', { token: '' })).status, 204)
    assert.equal((await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body.started, false)
  })

  it('refuses a wrong nonce, a duplicate share and malformed keys with 400', async () => {
    const { nonce } = (await t.call('PUT', 'sys/generate-root/attempt', { token: '' })).body
    const wrongNonce = await t.call('PUT', 'sys/generate-root/update', {
      token: '',
      body: { key: keys[0], nonce: 'nope' },
    })
    assert.equal(wrongNonce.status, 400)
    assert.match(wrongNonce.body.errors[0], /incorrect nonce supplied/)
    assert.equal(
      (await t.call('PUT', 'sys/generate-root/update', { token: '', body: { key: keys[0], nonce } })).body
        .progress,
      1,
    )
    const duplicate = await t.call('PUT', 'sys/generate-root/update', {
      token: '',
      body: { key: keys[0], nonce },
    })
    assert.equal(duplicate.status, 400)
    assert.deepEqual(duplicate.body, {
      errors: ['given key has already been provided during this generation operation'],
    })
    for (const key of ['', 'zz!', 'abcd']) {
      const bad = await t.call('PUT', 'sys/generate-root/update', { token: '', body: { key, nonce } })
      assert.equal(bad.status, 400, key)
    }
    assert.equal((await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body.progress, 1)
    await t.call('DELETE', 'sys/generate-root/attempt', { token: '' })
  })

  it('a wrong share at the threshold fails with 400, resets the progress and leaves the seal intact', async () => {
    const { nonce } = (await t.call('PUT', 'sys/generate-root/attempt', { token: '' })).body
    await t.call('PUT', 'sys/generate-root/update', { token: '', body: { key: keys[0], nonce } })
    const forged = Buffer.from(keys[1]!, 'hex')
    forged[0]! ^= 0xff
    const wrong = await t.call('PUT', 'sys/generate-root/update', {
      token: '',
      body: { key: forged.toString('hex'), nonce },
    })
    assert.equal(wrong.status, 400)
    assert.match(wrong.body.errors[0], /^root generation aborted: /)
    const status = (await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body
    assert.equal(status.progress, 0)
    assert.equal(status.started, true)
    await t.call('DELETE', 'sys/generate-root/attempt', { token: '' })
    // The right shares still unseal.
    await t.call('PUT', 'sys/seal', { token: root })
    for (const key of keys.slice(1, 3)) await t.call('PUT', 'sys/unseal', { body: { key } })
    assert.equal((await t.call('GET', 'sys/seal-status')).body.sealed, false)
  })

  it('mints a working root token from an OTP attempt; the token can be revoked', async () => {
    const start = (await t.call('PUT', 'sys/generate-root/attempt', { token: '' })).body
    const first = await t.call('PUT', 'sys/generate-root/update', {
      token: '',
      body: { key: keys[2], nonce: start.nonce },
    })
    assert.equal(first.body.complete, false)
    assert.equal(first.body.progress, 1)
    assert.equal(first.body.required, 2)
    const last = await t.call('PUT', 'sys/generate-root/update', {
      token: '',
      body: { key: Buffer.from(keys[0]!, 'hex').toString('base64'), nonce: start.nonce },
    })
    assert.equal(last.status, 200)
    assert.equal(last.body.complete, true)
    assert.equal(last.body.encoded_token, last.body.encoded_root_token)
    assert.ok(!last.body.encoded_token.endsWith('='))
    const token = decodeRootToken(last.body.encoded_token, start.otp)
    assert.match(token, /^cvs\.[A-Za-z0-9]{47}$/)
    const self = await t.call('GET', 'auth/token/lookup-self', { token })
    assert.equal(self.status, 200)
    assert.deepEqual(self.body.data.policies, ['root'])
    assert.equal(self.body.data.display_name, 'root')
    assert.equal(self.body.data.ttl, 0)
    assert.equal((await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body.started, false)
    assert.equal((await t.call('PUT', 'auth/token/revoke-self', { token })).status, 204)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 403)

    // Nothing secret reached the audit log in clear.
    const log = readFileSync(auditFile, 'utf8')
    for (const secret of [start.otp, token, last.body.encoded_token, keys[0]!, keys[2]!])
      assert.ok(!log.includes(secret), 'a ceremony secret is in the audit log in clear')
    const entries = log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.request)
    const paths = entries.map((entry) => `${entry.type} ${entry.request.path}`)
    assert.ok(paths.includes('request sys/generate-root/update'))
    assert.ok(paths.includes('response sys/generate-root/update'))
    const done = entries.find((entry) => entry.type === 'response' && entry.response?.data?.complete === true)
    assert.match(done.response.data.encoded_token, /^hmac-sha256:/)
  })

  it('accepts a caller OTP of the right length and refuses a wrong length', async () => {
    const short = await t.call('PUT', 'sys/generate-root/attempt', { token: '', body: { otp: 'abc' } })
    assert.equal(short.status, 400)
    assert.deepEqual(short.body, { errors: ['OTP string is wrong length'] })
    const otp = 'Q'.repeat(51)
    const start = (await t.call('PUT', 'sys/generate-root/attempt', { token: '', body: { otp } })).body
    assert.equal(start.otp, '')
    let last: { body: { encoded_token: string } } | undefined
    for (const key of keys.slice(0, 2))
      last = await t.call('PUT', 'sys/generate-root/update', { token: '', body: { key, nonce: start.nonce } })
    const token = decodeRootToken(last!.body.encoded_token, otp)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 200)
  })

  it('accepts an OTP of Vault’s length (28), as clients that do not read otp_length send, and mints a token as long', async () => {
    for (const length of [27, 29])
      assert.equal(
        (await t.call('PUT', 'sys/generate-root/attempt', { token: '', body: { otp: 'Q'.repeat(length) } }))
          .status,
        400,
      )
    const otp = 'Zx7'.repeat(9).concat('k')
    assert.equal(otp.length, 28)
    const start = (await t.call('PUT', 'sys/generate-root/attempt', { token: '', body: { otp } })).body
    let last: { body: { encoded_token: string } } | undefined
    for (const key of keys.slice(0, 2))
      last = await t.call('PUT', 'sys/generate-root/update', { token: '', body: { key, nonce: start.nonce } })
    const token = decodeRootToken(last!.body.encoded_token, otp)
    assert.match(token, /^cvs\.[A-Za-z0-9]{24}$/)
    const self = await t.call('GET', 'auth/token/lookup-self', { token })
    assert.equal(self.status, 200)
    assert.deepEqual(self.body.data.policies, ['root'])
    assert.equal((await t.call('PUT', 'auth/token/revoke-self', { token })).status, 204)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 403)
  })

  it('refuses an OTP that is not ASCII at the start, so the shares are never spent on an attempt that cannot end', async () => {
    // 28 characters but 56 bytes: the XOR with the token's bytes could never be built.
    for (const otp of ['é'.repeat(28), 'é'.repeat(51), `${'Q'.repeat(50)}\u0000`]) {
      const start = await t.call('PUT', 'sys/generate-root/attempt', { token: '', body: { otp } })
      assert.equal(start.status, 400, otp)
      assert.deepEqual(start.body, {
        errors: ['OTP string must be printable ASCII (base62, as Vault draws it)'],
      })
      assert.equal((await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body.started, false)
    }
  })

  it('encrypts the new root token to a PGP key', async () => {
    const pair = await generateKey({ userIDs: [{ name: 'operator' }], format: 'binary' })
    const pgp_key = Buffer.from(pair.publicKey).toString('base64')
    const start = await t.call('PUT', 'sys/generate-root/attempt', { token: '', body: { pgp_key } })
    assert.equal(start.status, 200)
    assert.match(start.body.pgp_fingerprint, /^[0-9a-f]{40,64}$/)
    let last: { body: { encoded_root_token: string; pgp_fingerprint: string } } | undefined
    for (const key of keys.slice(0, 2))
      last = await t.call('PUT', 'sys/generate-root/update', {
        token: '',
        body: { key, nonce: start.body.nonce },
      })
    assert.equal(last!.body.pgp_fingerprint, start.body.pgp_fingerprint)
    const message = await readMessage({ binaryMessage: Buffer.from(last!.body.encoded_root_token, 'base64') })
    const privateKey = await readPrivateKey({ binaryKey: pair.privateKey })
    const { data } = await decrypt({ message, decryptionKeys: privateKey })
    const token = String(data)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).body.data.policies[0], 'root')
    const keybase = await t.call('PUT', 'sys/generate-root/attempt', {
      token: '',
      body: { pgp_key: 'keybase:someone' },
    })
    assert.equal(keybase.status, 400)
    assert.match(keybase.body.errors[0], /keybase/)
    const junk = await t.call('PUT', 'sys/generate-root/attempt', { token: '', body: { pgp_key: 'AAAA' } })
    assert.equal(junk.status, 400)
  })

  it('answers the recovery-token endpoints as Vault does outside recovery mode, and 503 while sealed', async () => {
    const recovery = await t.call('GET', 'sys/generate-recovery-token/attempt', { token: '' })
    assert.equal(recovery.status, 404)
    assert.match(recovery.body.errors[0], /recovery mode/)
    await t.call('PUT', 'sys/generate-root/attempt', { token: '' })
    await t.call('PUT', 'sys/seal', { token: root })
    assert.equal((await t.call('GET', 'sys/generate-root/attempt', { token: '' })).status, 503)
    for (const key of keys.slice(0, 2)) await t.call('PUT', 'sys/unseal', { body: { key } })
    // Sealing dropped the attempt and its shares.
    assert.equal((await t.call('GET', 'sys/generate-root/attempt', { token: '' })).body.started, false)
  })
})
