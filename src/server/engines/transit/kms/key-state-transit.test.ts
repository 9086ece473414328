// A KMS key's state on the transit API: a Disabled or PendingDeletion KMS key's transit key does no cryptography.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dataOf, failure, kms, makeTransit } from '../test-helpers.ts'

const SYM = '33333333-3333-4333-8333-333333333333'
const EC = '44444444-4444-4444-8444-444444444444'
const plaintext = Buffer.from('state').toString('base64')

describe('KMS key state on the transit API', () => {
  it('Disabled and PendingDeletion refuse encrypt, decrypt, rewrap, datakey, sign, verify with a clear 400', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${SYM}`, {}, kms('CreateKey'))
    await h.call(
      'create',
      `keys/${EC}`,
      { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
      kms('CreateKey'),
    )
    const ciphertext = String(dataOf(await h.call('update', `encrypt/${SYM}`, { plaintext }))['ciphertext'])
    const signature = String(dataOf(await h.call('update', `sign/${EC}`, { input: plaintext }))['signature'])
    const uses: [string, Record<string, unknown>][] = [
      [`encrypt/${SYM}`, { plaintext }],
      [`decrypt/${SYM}`, { ciphertext }],
      [`rewrap/${SYM}`, { ciphertext }],
      [`datakey/plaintext/${SYM}`, {}],
      [`sign/${EC}`, { input: plaintext }],
      [`verify/${EC}`, { input: plaintext, signature }],
    ]
    const config = (keyId: string) => `keys/${keyId}/config`
    for (const keyId of [SYM, EC]) await h.call('update', config(keyId), { KeyId: keyId }, kms('DisableKey'))
    for (const [path, body] of uses) {
      const refused = await failure(() => h.call('update', path, body))
      assert.equal(refused.status, 400, path)
      assert.match(refused.message, /backs a KMS key that is disabled/, path)
    }
    for (const keyId of [SYM, EC]) {
      await h.call('update', config(keyId), { KeyId: keyId }, kms('EnableKey'))
      await h.call(
        'delete',
        `keys/${keyId}`,
        { KeyId: keyId, PendingWindowInDays: 7 },
        kms('ScheduleKeyDeletion'),
      )
    }
    for (const [path, body] of uses) {
      const refused = await failure(() => h.call('update', path, body))
      assert.equal(refused.status, 400, path)
      assert.match(refused.message, /pending deletion/, path)
    }
    for (const keyId of [SYM, EC]) {
      await h.call('update', config(keyId), { KeyId: keyId }, kms('CancelKeyDeletion'))
      // Cancelled deletion leaves the key Disabled, as AWS does; enabled again, it works.
      await h.call('update', config(keyId), { KeyId: keyId }, kms('EnableKey'))
    }
    assert.equal(
      Buffer.from(
        String(dataOf(await h.call('update', `decrypt/${SYM}`, { ciphertext }))['plaintext']),
        'base64',
      ).toString(),
      'state',
    )
    assert.equal(
      dataOf(await h.call('update', `verify/${EC}`, { input: plaintext, signature }))['valid'],
      true,
    )
  })

  it('the transit API cannot delete, trim or restore over the material of a key that backs a KMS key', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${SYM}`, {}, kms('CreateKey'))
    const ciphertext = String(dataOf(await h.call('update', `encrypt/${SYM}`, { plaintext }))['ciphertext'])
    await h.call('update', `keys/${SYM}/rotate`, {})
    // Even with the flag transit's own check asks for.
    await h.call('update', `keys/${SYM}/config`, {
      deletion_allowed: true,
      min_decryption_version: 2,
      min_encryption_version: 2,
    })
    await h.call('create', 'keys/other', { exportable: true, allow_plaintext_backup: true })
    const backup = String(dataOf(await h.call('read', 'backup/other', {}))['backup'])
    for (const [operation, path, body, what] of [
      ['delete', `keys/${SYM}`, {}, 'delete'],
      ['update', `keys/${SYM}/trim`, { min_available_version: 2 }, 'trim'],
      ['update', `restore/${SYM}`, { backup, force: true }, 'restore over'],
    ] as const) {
      const refused = await failure(() => h.call(operation, path, body))
      assert.equal(refused.status, 400, path)
      assert.equal(
        refused.message,
        `cannot ${what} key "${SYM}": it backs a KMS key, whose material only KMS removes (ScheduleKeyDeletion)`,
      )
    }
    // Every version is still there: the first one still decrypts once allowed again.
    await h.call('update', `keys/${SYM}/config`, { min_decryption_version: 1 })
    assert.equal(
      Buffer.from(
        String(dataOf(await h.call('update', `decrypt/${SYM}`, { ciphertext }))['plaintext']),
        'base64',
      ).toString(),
      'state',
    )
    // Keys that back no KMS key keep transit's own rules.
    await h.call('update', 'keys/other/config', { deletion_allowed: true })
    await h.call('delete', 'keys/other', {})
  })

  it('the transit API never hands out, nor lets anyone make exportable, the material of a KMS key', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${SYM}`, {}, kms('CreateKey'))
    await h.call(
      'create',
      `keys/${EC}`,
      { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
      kms('CreateKey'),
    )
    const why = 'it backs a KMS key, whose material never leaves KMS'
    for (const flags of [{ exportable: true }, { allow_plaintext_backup: true }]) {
      const refused = await failure(() => h.call('update', `keys/${SYM}/config`, flags))
      assert.equal(refused.status, 400)
      assert.equal(refused.message, `cannot make exportable key "${SYM}": ${why}`)
    }
    const info = dataOf(await h.call('read', `keys/${SYM}`, {}))
    assert.deepEqual([info['exportable'], info['allow_plaintext_backup']], [false, false])
    for (const [path, what] of [
      [`export/encryption-key/${SYM}`, 'export'],
      [`export/signing-key/${EC}`, 'export'],
      [`backup/${SYM}`, 'back up'],
    ] as const) {
      const refused = await failure(() => h.call('read', path, {}))
      assert.equal(refused.status, 400, path)
      assert.match(refused.message, new RegExp(`^cannot ${what} key "[0-9a-f-]+": ${why}$`), path)
    }
    // The public half of a key pair is public, as KMS's GetPublicKey shows it.
    const pub = dataOf(await h.call('read', `export/public-key/${EC}`, {}))['keys'] as Record<string, string>
    assert.match(pub['1']!, /^-----BEGIN PUBLIC KEY-----/)
    // A plain transit key keeps transit's own rules.
    await h.call('create', 'keys/plain', { exportable: true })
    assert.ok(dataOf(await h.call('read', 'export/encryption-key/plain', {}))['keys'])
  })

  it('a transit key that backs no KMS key is not affected', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/plain', {})
    assert.ok(dataOf(await h.call('update', 'encrypt/plain', { plaintext }))['ciphertext'])
  })
})
