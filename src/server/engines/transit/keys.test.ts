// Tests for transit keys: create per type, Vault's read shape, list, delete guard, config, rotate and trim.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dataOf, failure, makeTransit, START } from './test-helpers.ts'

describe('transit keys', () => {
  it('creates an aes256-gcm96 key by default and reads it in Vault’s shape', async () => {
    const h = await makeTransit()
    const created = dataOf(await h.call('create', 'keys/app'))
    const read = dataOf(await h.call('read', 'keys/app'))
    assert.deepEqual(created, read)
    assert.deepEqual(read, {
      allow_plaintext_backup: false,
      auto_rotate_period: 0,
      deletion_allowed: false,
      derived: false,
      exportable: false,
      imported_key: false,
      keys: { '1': Math.floor(START / 1000) },
      latest_version: 1,
      min_available_version: 0,
      min_decryption_version: 1,
      min_encryption_version: 0,
      name: 'app',
      supports_decryption: true,
      supports_derivation: true,
      supports_encryption: true,
      supports_signing: false,
      type: 'aes256-gcm96',
    })
  })

  it('creates every key type with the right capabilities and public keys', async () => {
    const h = await makeTransit()
    const types = [
      'aes128-gcm96',
      'chacha20-poly1305',
      'ed25519',
      'ecdsa-p256',
      'ecdsa-p384',
      'ecdsa-p521',
      'rsa-2048',
      'hmac',
    ]
    for (const type of types) {
      const data = dataOf(await h.call('create', `keys/k-${type}`, { type }))
      assert.equal(data['type'], type)
      const asymmetric = type === 'ed25519' || type.startsWith('ecdsa') || type.startsWith('rsa')
      assert.equal(data['supports_signing'], asymmetric, type)
      assert.equal(
        data['supports_encryption'],
        type !== 'hmac' && !type.startsWith('ecdsa') && type !== 'ed25519',
        type,
      )
      const first = (data['keys'] as Record<string, unknown>)['1']
      if (asymmetric) {
        const info = first as Record<string, string>
        assert.equal(info['creation_time'], new Date(START).toISOString())
        if (type === 'ed25519') assert.equal(Buffer.from(info['public_key'] ?? '', 'base64').length, 32)
        else assert.match(info['public_key'] ?? '', /^-----BEGIN PUBLIC KEY-----/)
      } else {
        assert.equal(first, Math.floor(START / 1000))
      }
    }
    assert.equal(dataOf(await h.call('read', 'keys/k-hmac'))['key_size'], 32)
    assert.deepEqual(dataOf(await h.call('list', 'keys/'))['keys'], types.map((t) => `k-${t}`).sort())
  })

  it('refuses unknown types and bad combinations with 400s', async () => {
    const h = await makeTransit()
    assert.deepEqual(await failure(() => h.call('create', 'keys/x', { type: 'des' })), {
      status: 400,
      message: 'unknown key type des',
    })
    assert.deepEqual(await failure(() => h.call('create', 'keys/x', { convergent_encryption: true })), {
      status: 400,
      message: 'convergent encryption requires derivation to be enabled',
    })
    assert.equal(
      (await failure(() => h.call('create', 'keys/x', { type: 'rsa-2048', derived: true }))).status,
      400,
    )
    assert.equal((await failure(() => h.call('create', 'keys/x', { auto_rotate_period: '5m' }))).status, 400)
    assert.equal(await h.call('read', 'keys/x'), undefined)
  })

  it('deletes a key only once deletion_allowed is set', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/app')
    assert.deepEqual(await failure(() => h.call('delete', 'keys/app')), {
      status: 400,
      message: 'error deleting policy app: deletion is not allowed for this policy',
    })
    await h.call('update', 'keys/app/config', { deletion_allowed: true })
    assert.equal(await h.call('delete', 'keys/app'), undefined)
    assert.equal(await h.call('read', 'keys/app'), undefined)
  })

  it('rotates, keeps every version and enforces the config bounds', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/app')
    h.tick(1000)
    await h.call('update', 'keys/app/rotate')
    const rotated = dataOf(await h.call('update', 'keys/app/rotate'))
    assert.equal(rotated['latest_version'], 3)
    assert.deepEqual(Object.keys(rotated['keys'] as object), ['1', '2', '3'])
    assert.deepEqual(
      await failure(() => h.call('update', 'keys/app/config', { min_decryption_version: 4 })),
      {
        status: 400,
        message: 'cannot set min decryption version of 4, latest key version is 3',
      },
    )
    assert.equal(
      (await failure(() => h.call('update', 'keys/app/config', { min_decryption_version: -1 }))).status,
      400,
    )
    await h.call('update', 'keys/app/config', { min_decryption_version: 2, min_encryption_version: 3 })
    assert.deepEqual(
      await failure(() =>
        h.call('update', 'keys/app/config', { min_decryption_version: 3, min_encryption_version: 2 }),
      ),
      {
        status: 400,
        message: 'min decryption version should not be greater than min encryption version',
      },
    )
    assert.deepEqual(await failure(() => h.call('update', 'keys/app/trim', { min_available_version: 3 })), {
      status: 400,
      message: 'minimum available version cannot be greater than minimum decryption version',
    })
    const trimmed = dataOf(await h.call('update', 'keys/app/trim', { min_available_version: 2 }))
    assert.deepEqual(Object.keys(trimmed['keys'] as object), ['2', '3'])
    assert.equal(trimmed['min_available_version'], 2)
    assert.equal(
      (await failure(() => h.call('update', 'keys/app/config', { min_decryption_version: 1 }))).status,
      400,
    )
    assert.deepEqual(await failure(() => h.call('update', 'keys/nope/rotate')), {
      status: 400,
      message: 'key not found',
    })
  })

  it('never lets exportable or allow_plaintext_backup be unset', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/app', { exportable: true, allow_plaintext_backup: true })
    assert.equal(
      (await failure(() => h.call('update', 'keys/app/config', { exportable: false }))).status,
      400,
    )
    assert.equal(
      (await failure(() => h.call('update', 'keys/app/config', { allow_plaintext_backup: false }))).status,
      400,
    )
  })
})
