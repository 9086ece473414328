// sys/init with pgp_keys and root_token_pgp_key: shares and root token come back encrypted, decrypted here with gpg.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { decrypt, generateKey, readMessage, readPrivateKey } from 'openpgp'
import { type GpgOperator, gpgOperator } from '../helpers/gpg.ts'
import { startSealedServer, type TestServer } from '../helpers/server.ts'

describe('sys/init with PGP keys', () => {
  let t: TestServer
  const operators: GpgOperator[] = []
  before(async () => {
    t = await startSealedServer()
    for (const name of ['dana', 'eli']) operators.push(gpgOperator(name))
  })
  after(async () => {
    await t.close()
    for (const operator of operators) operator.remove()
  })

  it('refuses keybase: keys, a key count that does not match the shares, and junk, staying uninitialised', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ secret_shares: 1, secret_threshold: 1, pgp_keys: ['keybase:jdoe'] }, /keybase/],
      [{ secret_shares: 2, secret_threshold: 2, pgp_keys: [operators[0]!.publicKey] }, /count mismatch/],
      [{ secret_shares: 1, secret_threshold: 1, pgp_keys: ['bm90IGEga2V5'] }, /error parsing given PGP key/],
      [{ secret_shares: 1, secret_threshold: 1, root_token_pgp_key: 'keybase:jdoe' }, /keybase/],
      [{ secret_shares: 1, secret_threshold: 1, recovery_pgp_keys: ['x'] }, /recovery/],
    ]
    for (const [body, message] of cases) {
      const bad = await t.call('PUT', 'sys/init', { body })
      assert.equal(bad.status, 400, JSON.stringify(body))
      assert.match(bad.body.errors[0], message)
    }
    assert.deepEqual((await t.call('GET', 'sys/init')).body, { initialized: false })
  })

  it('encrypts each share (hex plaintext, as Vault) and the root token; the decrypted values unseal and work', async () => {
    const rootPair = await generateKey({ userIDs: [{ name: 'root holder' }], format: 'binary' })
    const init = await t.call('PUT', 'sys/init', {
      body: {
        secret_shares: 2,
        secret_threshold: 2,
        pgp_keys: operators.map((operator) => operator.publicKey),
        root_token_pgp_key: Buffer.from(rootPair.publicKey).toString('base64'),
      },
    })
    assert.equal(init.status, 200, JSON.stringify(init.body))
    assert.equal(Buffer.from(init.body.keys[1], 'hex').toString('base64'), init.body.keys_base64[1])
    const shares = init.body.keys_base64.map((encrypted: string, i: number) =>
      operators[i]!.decrypt(encrypted),
    )
    for (const share of shares) assert.match(share, /^[0-9a-f]{66}$/)
    const message = await readMessage({ binaryMessage: Buffer.from(init.body.root_token, 'base64') })
    const { data } = await decrypt({
      message,
      decryptionKeys: await readPrivateKey({ binaryKey: rootPair.privateKey }),
    })
    const root = String(data)
    assert.match(root, /^cvs\./)
    for (const key of shares) await t.call('PUT', 'sys/unseal', { body: { key } })
    assert.equal((await t.call('GET', 'sys/seal-status')).body.sealed, false)
    assert.deepEqual((await t.call('GET', 'auth/token/lookup-self', { token: root })).body.data.policies, [
      'root',
    ])
  })
})
