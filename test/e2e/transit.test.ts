// Transit on a real server process: rotations racing encryptions and upserts never yield an undecryptable ciphertext; audit never holds plaintexts or keys in clear.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { burst, type RaceServer, startRaceServer } from '../helpers/race.ts'

const ROUNDS = 6
const ENCRYPTS = 24
const ROTATES = 4

const b64 = (text: string): string => Buffer.from(text).toString('base64')

describe('transit on a real server', () => {
  let server: RaceServer
  let auditFile: string

  before(async () => {
    server = await startRaceServer()
    auditFile = join(server.dataDir, 'audit.log')
    const audit = await server.call('PUT', 'sys/audit/file', {
      body: { type: 'file', options: { file_path: auditFile } },
    })
    assert.equal(audit.status, 204)
    const mounted = await server.call('POST', 'sys/mounts/transit', { body: { type: 'transit' } })
    assert.equal(mounted.status, 204)
  })
  after(async () => {
    await server?.close()
  })

  it(`rotations racing ${ENCRYPTS} encryptions: every ciphertext decrypts, and no version is lost`, async () => {
    assert.equal((await server.call('POST', 'transit/keys/raced')).status, 200)
    for (let round = 0; round < ROUNDS; round++) {
      const encrypts = Array.from({ length: ENCRYPTS }, (_, i) => ({
        method: 'POST',
        path: 'transit/encrypt/raced',
        body: { plaintext: b64(`r${round}-m${i}`) },
      }))
      const rotates = Array.from({ length: ROTATES }, () => ({
        method: 'POST',
        path: 'transit/keys/raced/rotate',
      }))
      // Interleave so rotations land between encryptions.
      const requests = encrypts.flatMap((e, i) => (i % (ENCRYPTS / ROTATES) === 0 ? [rotates[0]!, e] : [e]))
      const replies = await burst(server.address, requests, server.rootToken)
      assert.ok(
        replies.every((r) => r.status === 200),
        replies.map((r) => r.status).join(','),
      )
      const ciphertexts = replies.filter((r) => r.body.data.ciphertext !== undefined)
      assert.equal(ciphertexts.length, ENCRYPTS)
      const decrypts = await burst(
        server.address,
        ciphertexts.map((r) => ({
          method: 'POST',
          path: 'transit/decrypt/raced',
          body: { ciphertext: r.body.data.ciphertext },
        })),
        server.rootToken,
      )
      const plaintexts = decrypts.map((r) => Buffer.from(r.body.data.plaintext, 'base64').toString())
      assert.deepEqual(
        plaintexts.sort(),
        Array.from({ length: ENCRYPTS }, (_, i) => `r${round}-m${i}`).sort(),
      )
    }
    const key = await server.call('GET', 'transit/keys/raced')
    assert.equal(key.body.data.latest_version, 1 + ROUNDS * ROTATES)
    assert.equal(Object.keys(key.body.data.keys).length, 1 + ROUNDS * ROTATES)
  })

  it('racing upserts through encrypt create one key: every ciphertext decrypts', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const replies = await burst(
        server.address,
        Array.from({ length: 12 }, (_, i) => ({
          method: 'POST',
          path: `transit/encrypt/upsert-${round}`,
          body: { plaintext: b64(`u${i}`) },
        })),
        server.rootToken,
      )
      assert.ok(
        replies.every((r) => r.status === 200),
        replies.map((r) => r.status).join(','),
      )
      for (const [i, reply] of replies.entries()) {
        const opened = await server.call('POST', `transit/decrypt/upsert-${round}`, {
          body: { ciphertext: reply.body.data.ciphertext },
        })
        assert.equal(opened.body.data.plaintext, b64(`u${i}`))
      }
      const key = await server.call('GET', `transit/keys/upsert-${round}`)
      assert.equal(key.body.data.latest_version, 1)
    }
  })

  it('keys survive a restart; bad input is a 400, never a 500', async () => {
    const sealed = await server.call('POST', 'transit/encrypt/raced', { body: { plaintext: b64('durable') } })
    await server.restart()
    const opened = await server.call('POST', 'transit/decrypt/raced', {
      body: { ciphertext: sealed.body.data.ciphertext },
    })
    assert.equal(opened.body.data.plaintext, b64('durable'))
    const bad = [
      ['transit/encrypt/raced', { plaintext: '%%%' }],
      ['transit/decrypt/raced', { ciphertext: 'vault:v999:AAAA' }],
      ['transit/decrypt/raced', { ciphertext: 42 }],
      ['transit/keys/odd', { type: 'rsa-1' }],
      ['transit/sign/raced', { input: b64('x') }],
      ['transit/encrypt/raced', { batch_input: 'not a list' }],
      ['transit/encrypt/raced', { batch_input: [1, 2] }],
      ['transit/datakey/sideways/raced', {}],
      ['transit/random/-3', {}],
    ] as const
    // A batch with a failed item answers 400 with the per-item results, as Vault does.
    const batch = await server.call('POST', 'transit/decrypt/raced', {
      body: {
        batch_input: [{ ciphertext: sealed.body.data.ciphertext }, { ciphertext: 'nope', reference: 'r2' }],
      },
    })
    assert.equal(batch.status, 400)
    assert.deepEqual(batch.body.data.batch_results, [
      { plaintext: b64('durable'), reference: '' },
      { error: 'invalid ciphertext: no prefix', reference: 'r2' },
    ])
    for (const [path, body] of bad) {
      const reply = await server.call('POST', path, { body })
      assert.equal(reply.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`)
      assert.ok(
        Array.isArray(reply.body.errors) && reply.body.errors.length === 1,
        JSON.stringify(reply.body),
      )
    }
  })

  it('the audit log holds plaintexts, ciphertexts, data keys, exported keys and backups only as HMACs', async () => {
    const secret = b64('audit-me-plaintext-42')
    const sealed = await server.call('POST', 'transit/encrypt/raced', { body: { plaintext: secret } })
    const ciphertext = sealed.body.data.ciphertext as string
    await server.call('POST', 'transit/decrypt/raced', { body: { ciphertext } })
    const batch = await server.call('POST', 'transit/encrypt/raced', {
      body: { batch_input: [{ plaintext: b64('batch-secret-77') }] },
    })
    const dataKey = await server.call('POST', 'transit/datakey/plaintext/raced')
    await server.call('POST', 'transit/keys/exported', {
      body: { exportable: true, allow_plaintext_backup: true },
    })
    const exported = await server.call('GET', 'transit/export/encryption-key/exported')
    const hmacKey = await server.call('GET', 'transit/export/hmac-key/exported')
    const backup = await server.call('GET', 'transit/backup/exported')
    assert.equal(exported.status, 200)
    const text = readFileSync(auditFile, 'utf8')
    for (const clear of [
      secret,
      ciphertext,
      b64('batch-secret-77'),
      batch.body.data.batch_results[0].ciphertext,
      dataKey.body.data.plaintext,
      exported.body.data.keys['1'],
      hmacKey.body.data.keys['1'],
      backup.body.data.backup,
    ]) {
      assert.ok(!text.includes(clear), `the audit log holds ${clear} in clear`)
    }
    const entries = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    const decrypt = entries.find((e) => e.type === 'response' && e.request.path === 'transit/decrypt/raced')
    assert.match(decrypt.request.data.ciphertext, /^hmac-sha256:/)
    assert.match(decrypt.response.data.plaintext, /^hmac-sha256:/)
  })
})
