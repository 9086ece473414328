// Tests for BYOK: material wrapped here as Vault's docs describe (RSA-OAEP + AES-KWP) is imported and used, and bad blobs are 400s.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { describe, it } from 'node:test'
import { ed25519FromSeed } from './signing.ts'
import { b64, dataOf, failure, makeTransit } from './test-helpers.ts'

type Harness = Awaited<ReturnType<typeof makeTransit>>

/** Vault's import blob: RSA-OAEP(SHA-256) of an ephemeral AES-256 key, then AES key wrap with padding of the material. */
async function wrapForImport(h: Harness, material: Buffer, oaepHash = 'sha256'): Promise<string> {
  const publicKey = String(dataOf(await h.call('read', 'wrapping_key'))['public_key'])
  const ephemeral = crypto.randomBytes(32)
  const wrappedKey = crypto.publicEncrypt(
    { key: publicKey, oaepHash, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING },
    ephemeral,
  )
  const kwp = crypto.createCipheriv('id-aes256-wrap-pad', ephemeral, Buffer.from('A65959A6', 'hex'))
  return Buffer.concat([wrappedKey, kwp.update(material), kwp.final()]).toString('base64')
}

describe('transit BYOK import', () => {
  it('keeps one wrapping key per mount', async () => {
    const h = await makeTransit()
    const first = dataOf(await h.call('read', 'wrapping_key'))['public_key']
    assert.match(String(first), /^-----BEGIN PUBLIC KEY-----/)
    assert.equal(crypto.createPublicKey(String(first)).asymmetricKeyDetails?.modulusLength, 4096)
    const again = await Promise.all([h.call('read', 'wrapping_key'), h.call('read', 'wrapping_key')])
    assert.deepEqual(
      again.map((r) => dataOf(r)['public_key']),
      [first, first],
    )
  })

  it('an imported AES key decrypts ciphertexts made outside with the same key', async () => {
    const h = await makeTransit()
    const material = crypto.randomBytes(32)
    assert.equal(
      await h.call('update', 'keys/byok/import', { ciphertext: await wrapForImport(h, material) }),
      undefined,
    )
    const info = dataOf(await h.call('read', 'keys/byok'))
    assert.equal(info['imported_key'], true)
    assert.equal(info['type'], 'aes256-gcm96')
    const nonce = crypto.randomBytes(12)
    const cipher = crypto.createCipheriv('aes-256-gcm', material, nonce)
    const body = Buffer.concat([nonce, cipher.update('brought along'), cipher.final(), cipher.getAuthTag()])
    assert.deepEqual(
      dataOf(await h.call('update', 'decrypt/byok', { ciphertext: `vault:v1:${body.toString('base64')}` })),
      {
        plaintext: b64('brought along'),
      },
    )
    assert.deepEqual(await failure(() => h.call('update', 'keys/byok/rotate')), {
      status: 400,
      message: 'imported key byok does not allow rotation within the server',
    })
    assert.equal(
      await h.call('update', 'keys/byok/import_version', {
        ciphertext: await wrapForImport(h, crypto.randomBytes(32)),
      }),
      undefined,
    )
    assert.equal(dataOf(await h.call('read', 'keys/byok'))['latest_version'], 2)
  })

  it('imports asymmetric keys as PKCS#8: an imported RFC 8032 key signs to the published signature', async () => {
    const h = await makeTransit()
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')
    const der = ed25519FromSeed(seed).export({ format: 'der', type: 'pkcs8' })
    await h.call('update', 'keys/ed/import', {
      type: 'ed25519',
      ciphertext: await wrapForImport(h, der, 'sha512'),
      hash_function: 'SHA512',
    })
    const signature = String(dataOf(await h.call('update', 'sign/ed', { input: '' }))['signature'])
    assert.equal(
      Buffer.from(signature.slice('vault:v1:'.length), 'base64').toString('hex'),
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    )
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const ecDer = ec.privateKey.export({ format: 'der', type: 'pkcs8' })
    await h.call('update', 'keys/ec/import', {
      type: 'ecdsa-p256',
      ciphertext: await wrapForImport(h, ecDer),
    })
    const ecSig = String(dataOf(await h.call('update', 'sign/ec', { input: b64('m') }))['signature'])
    assert.ok(crypto.verify('sha256', Buffer.from('m'), ec.publicKey, Buffer.from(ecSig.slice(9), 'base64')))
  })

  it('refuses mismatched types, bad blobs and existing names with 400s', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/taken')
    const ec = crypto
      .generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .privateKey.export({ format: 'der', type: 'pkcs8' })
    const cases: [Record<string, unknown>, string, string][] = [
      [
        { type: 'ecdsa-p256', ciphertext: await wrapForImport(h, ec) },
        'keys/k1/import',
        'error importing key: the imported key does not match the key type ecdsa-p256',
      ],
      [
        { ciphertext: await wrapForImport(h, crypto.randomBytes(16)) },
        'keys/k2/import',
        'error importing key: invalid key size 16 bytes for key type aes256-gcm96',
      ],
      [
        { type: 'rsa-2048', ciphertext: await wrapForImport(h, crypto.randomBytes(40)) },
        'keys/k3/import',
        'error importing key: error parsing asymmetric key: the key material must be PKCS#8 DER',
      ],
      [{ ciphertext: b64('short') }, 'keys/k4/import', 'provided ciphertext is too short'],
      [{ ciphertext: '***' }, 'keys/k5/import', 'error decoding ciphertext: not base64'],
      [
        { ciphertext: await wrapForImport(h, crypto.randomBytes(32)), hash_function: 'SHA384' },
        'keys/k6/import',
        'failed to decrypt the ephemeral key with the wrapping key',
      ],
      [
        { ciphertext: await wrapForImport(h, crypto.randomBytes(32)), hash_function: 'MD5' },
        'keys/k7/import',
        'unknown hash function: MD5',
      ],
      [
        { ciphertext: await wrapForImport(h, crypto.randomBytes(32)) },
        'keys/taken/import',
        'the import path cannot be used with an existing key; use import-version to rotate an existing imported key',
      ],
      [
        { ciphertext: await wrapForImport(h, crypto.randomBytes(32)) },
        'keys/taken/import_version',
        'the import_version endpoint can only be used with an imported key',
      ],
    ]
    for (const [data, path, message] of cases)
      assert.deepEqual(await failure(() => h.call('update', path, data)), { status: 400, message }, path)
    assert.equal(await h.call('read', 'keys/k1'), undefined)
  })
})
