// Tests for export, backup/restore and cache-config: exported material opens the engine's ciphertexts, backups restore whole keys.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { describe, it } from 'node:test'
import { b64, dataOf, failure, makeTransit } from './test-helpers.ts'

describe('transit export', () => {
  it('an exported AES key opens the engine’s ciphertexts outside it', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/app', { exportable: true })
    const ciphertext = String(
      dataOf(await h.call('update', 'encrypt/app', { plaintext: b64('exported') }))['ciphertext'],
    )
    const exported = dataOf(await h.call('read', 'export/encryption-key/app'))
    assert.equal(exported['name'], 'app')
    assert.equal(exported['type'], 'aes256-gcm96')
    const key = Buffer.from(String((exported['keys'] as Record<string, string>)['1']), 'base64')
    const bytes = Buffer.from(ciphertext.slice('vault:v1:'.length), 'base64')
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12))
    decipher.setAuthTag(bytes.subarray(-16))
    assert.equal(
      Buffer.concat([decipher.update(bytes.subarray(12, -16)), decipher.final()]).toString(),
      'exported',
    )
  })

  it('exports signing keys in Vault’s encodings and public keys of any asymmetric key', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/ec', { type: 'ecdsa-p384', exportable: true })
    await h.call('create', 'keys/rsa', { type: 'rsa-2048', exportable: true })
    await h.call('create', 'keys/ed', { type: 'ed25519', exportable: true })
    await h.call('create', 'keys/locked', { type: 'ed25519' })
    const ec = String(
      (dataOf(await h.call('read', 'export/signing-key/ec/1'))['keys'] as Record<string, string>)['1'],
    )
    assert.match(ec, /^-----BEGIN EC PRIVATE KEY-----/)
    const rsa = String(
      (dataOf(await h.call('read', 'export/encryption-key/rsa/latest'))['keys'] as Record<string, string>)[
        '1'
      ],
    )
    assert.match(rsa, /^-----BEGIN RSA PRIVATE KEY-----/)
    const ed = Buffer.from(
      String((dataOf(await h.call('read', 'export/signing-key/ed'))['keys'] as Record<string, string>)['1']),
      'base64',
    )
    assert.equal(ed.length, 64, 'Go’s seed | public key')
    // A signature made outside with the exported EC key verifies inside.
    const outside = crypto.sign('sha256', Buffer.from('m'), ec).toString('base64')
    assert.deepEqual(
      dataOf(await h.call('update', 'verify/ec', { input: b64('m'), signature: `vault:v1:${outside}` })),
      {
        valid: true,
      },
    )
    const pub = dataOf(await h.call('read', 'export/public-key/locked'))['keys'] as Record<string, string>
    assert.equal(Buffer.from(String(pub['1']), 'base64').length, 32)
    assert.deepEqual(await failure(() => h.call('read', 'export/signing-key/locked')), {
      status: 400,
      message: 'private key material is not exportable',
    })
  })

  it('refuses bad types, versions and key kinds with 400s; a missing key is a 404', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/app', { exportable: true })
    await h.call('update', 'keys/app/rotate')
    await h.call('update', 'keys/app/config', { min_decryption_version: 2 })
    const cases: [string, string][] = [
      ['export/private-key/app', 'invalid export type: private-key'],
      ['export/signing-key/app', 'signing not supported for the key'],
      ['export/public-key/app', 'public-key export not supported for key type aes256-gcm96'],
      ['export/encryption-key/app/1', 'version for export is below minimum decryption version'],
      ['export/encryption-key/app/7', 'version does not exist or cannot be found'],
      ['export/encryption-key/app/two', 'invalid key version'],
    ]
    for (const [path, message] of cases)
      assert.deepEqual(await failure(() => h.call('read', path)), { status: 400, message })
    assert.deepEqual(Object.keys(dataOf(await h.call('read', 'export/hmac-key/app'))['keys'] as object), [
      '2',
    ])
    assert.deepEqual(Object.keys(dataOf(await h.call('read', 'keys/app'))['keys'] as object), ['2'])
    assert.equal(await h.call('read', 'export/encryption-key/nope'), undefined)
  })
})

describe('transit backup and restore', () => {
  it('a backup restores every version under its own or a new name; ciphertexts still decrypt', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/app', { exportable: true, allow_plaintext_backup: true })
    const v1 = dataOf(await h.call('update', 'encrypt/app', { plaintext: b64('before') }))['ciphertext']
    await h.call('update', 'keys/app/rotate')
    const backup = String(dataOf(await h.call('read', 'backup/app'))['backup'])
    assert.deepEqual(await failure(() => h.call('update', 'restore', { backup })), {
      status: 400,
      message: 'key "app" already exists',
    })
    assert.equal(await h.call('update', 'restore/copy', { backup }), undefined)
    assert.equal(dataOf(await h.call('read', 'keys/copy'))['latest_version'], 2)
    assert.deepEqual(dataOf(await h.call('update', 'decrypt/copy', { ciphertext: v1 })), {
      plaintext: b64('before'),
    })
    await h.call('update', 'keys/app/config', { deletion_allowed: true })
    await h.call('delete', 'keys/app')
    assert.equal(await h.call('update', 'restore', { backup }), undefined)
    assert.deepEqual(dataOf(await h.call('update', 'decrypt/app', { ciphertext: v1 })), {
      plaintext: b64('before'),
    })
  })

  it('refuses backups of keys without allow_plaintext_backup and malformed blobs', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/plain')
    assert.deepEqual(await failure(() => h.call('read', 'backup/plain')), {
      status: 400,
      message: 'plaintext backup is disallowed on the policy "plain"',
    })
    const forged = b64(
      JSON.stringify({
        format: 'coffer-transit-backup-v1',
        key: {
          name: 'x',
          type: 'ed25519',
          latest_version: 1,
          versions: { '1': { hmac_key: '', private_key: 'nope' } },
        },
      }),
    )
    for (const backup of ['***', b64('{}'), b64('not json'), forged])
      assert.equal((await failure(() => h.call('update', 'restore', { backup }))).status, 400, backup)
    assert.equal((await failure(() => h.call('update', 'restore', {}))).status, 400)
  })

  it('refuses a tampered backup whose key would be incoherent or fail later, naming the field', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/app', { exportable: true, allow_plaintext_backup: true })
    await h.call('create', 'keys/ed', { type: 'ed25519', exportable: true, allow_plaintext_backup: true })
    type StoredKey = Record<string, unknown> & { versions: Record<string, Record<string, unknown>> }
    const original = async (name: string): Promise<{ format: string; key: StoredKey }> => {
      const blob = String(dataOf(await h.call('read', `backup/${name}`))['backup'])
      return JSON.parse(Buffer.from(blob, 'base64').toString())
    }
    const tampered: [string, (key: StoredKey) => void, string][] = [
      ['app', (key) => (key['latest_version'] = 5), 'version 2 is missing'],
      ['app', (key) => (key['latest_version'] = 1.5), 'latest_version is not a positive integer'],
      [
        'app',
        (key) => (key['min_encryption_version'] = 9),
        'min_encryption_version is not an integer from 0 to latest_version',
      ],
      ['app', (key) => (key['derived'] = 'yes'), 'derived is not a boolean'],
      ['app', (key) => (key['convergent_encryption'] = true), 'convergent encryption requires derivation'],
      ['app', (key) => (key['auto_rotate_period'] = 1), 'auto_rotate_period must be 0 or at least an hour'],
      // A short AES key made encrypt fail with a 500; a key of another type made sign fail with one.
      ['app', (key) => (key.versions['1']!['key'] = b64('short')), 'version 1 is malformed'],
      ['ed', (key) => (key['type'] = 'ecdsa-p256'), 'version 1 is malformed'],
    ]
    for (const [name, change, reason] of tampered) {
      const blob = await original(name)
      change(blob.key)
      assert.deepEqual(
        await failure(() => h.call('update', 'restore/copy', { backup: b64(JSON.stringify(blob)) })),
        { status: 400, message: `failed to decode backup: ${reason}` },
        reason,
      )
    }
    assert.equal(await h.call('read', 'keys/copy'), undefined)
    for (const name of ['app', 'ed']) {
      const blob = b64(JSON.stringify(await original(name)))
      assert.equal(await h.call('update', `restore/${name}-copy`, { backup: blob }), undefined)
    }
  })

  it('cache-config stores its size with Vault’s bounds', async () => {
    const h = await makeTransit()
    assert.deepEqual(dataOf(await h.call('read', 'cache-config')), { size: 0 })
    await h.call('update', 'cache-config', { size: 500 })
    assert.deepEqual(dataOf(await h.call('read', 'cache-config')), { size: 500 })
    assert.equal((await failure(() => h.call('update', 'cache-config', { size: 5 }))).status, 400)
  })
})
