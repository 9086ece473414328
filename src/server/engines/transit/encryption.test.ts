// Known-answer tests for transit encryption: ciphertexts built independently here decrypt in the engine and back, in Vault's byte layout.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { describe, it } from 'node:test'
import { b64, dataOf, failure, makeTransit, plantKey, storedKey } from './test-helpers.ts'

const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex')

/** Vault's layout, built without the engine: vault:v<N>:base64(nonce | ciphertext | tag). */
function sealIndependently(
  algorithm: 'aes-256-gcm' | 'aes-128-gcm' | 'chacha20-poly1305',
  key: Buffer,
  nonce: Buffer,
  plaintext: Buffer,
  version: number,
  aad?: Buffer,
): string {
  const cipher = crypto.createCipheriv(algorithm as 'aes-256-gcm', key, nonce, { authTagLength: 16 })
  if (aad) cipher.setAAD(aad)
  const body = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
  return `vault:v${version}:${body.toString('base64')}`
}

function openIndependently(
  algorithm: 'aes-256-gcm' | 'aes-128-gcm' | 'chacha20-poly1305',
  key: Buffer,
  ciphertext: string,
): { version: number; plaintext: Buffer } {
  const match = /^vault:v(\d+):(.+)$/.exec(ciphertext)
  assert.ok(match, ciphertext)
  const bytes = Buffer.from(match[2] ?? '', 'base64')
  const decipher = crypto.createDecipheriv(algorithm as 'aes-256-gcm', key, bytes.subarray(0, 12), {
    authTagLength: 16,
  })
  decipher.setAuthTag(bytes.subarray(-16))
  return {
    version: Number(match[1]),
    plaintext: Buffer.concat([decipher.update(bytes.subarray(12, -16)), decipher.final()]),
  }
}

async function withKnownKey(options: Record<string, unknown> = {}, keyBytes = KEY) {
  const h = await makeTransit()
  await h.call('create', 'keys/app', options)
  const stored = await storedKey(h, 'app')
  const version = stored.versions['1']
  assert.ok(version)
  version.key = keyBytes.toString('base64')
  await plantKey(h, stored)
  return h
}

describe('transit encryption, known answers', () => {
  it('decrypts an AES-256-GCM ciphertext built outside the engine, and the engine’s own opens outside', async () => {
    const h = await withKnownKey()
    const nonce = Buffer.from('0102030405060708090a0b0c', 'hex')
    const ciphertext = sealIndependently('aes-256-gcm', KEY, nonce, Buffer.from('hello transit'), 1)
    // The same bytes Python's cryptography AESGCM produces for this key, nonce and plaintext.
    assert.equal(ciphertext, 'vault:v1:AQIDBAUGBwgJCgsMbY82uYO0hPQtzBAuZCfDt1bHVJl2CQ0UpgWTp7Y=')
    assert.deepEqual(dataOf(await h.call('update', 'decrypt/app', { ciphertext })), {
      plaintext: b64('hello transit'),
    })
    const encrypted = dataOf(await h.call('update', 'encrypt/app', { plaintext: b64('round trip') }))
    assert.equal(encrypted['key_version'], 1)
    const opened = openIndependently('aes-256-gcm', KEY, encrypted['ciphertext'] as string)
    assert.deepEqual(opened, { version: 1, plaintext: Buffer.from('round trip') })
  })

  it('honours associated_data on both sides', async () => {
    const h = await withKnownKey()
    const aad = Buffer.from('tenant-7')
    const ciphertext = sealIndependently('aes-256-gcm', KEY, crypto.randomBytes(12), Buffer.from('x'), 1, aad)
    assert.deepEqual(
      dataOf(await h.call('update', 'decrypt/app', { ciphertext, associated_data: b64(aad) })),
      { plaintext: b64('x') },
    )
    assert.deepEqual(await failure(() => h.call('update', 'decrypt/app', { ciphertext })), {
      status: 400,
      message: 'cipher: message authentication failed',
    })
  })

  it('AES-128-GCM and ChaCha20-Poly1305 use the same layout', async () => {
    const aes128 = Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex')
    const h = await withKnownKey({ type: 'aes128-gcm96' }, aes128)
    const ct = sealIndependently('aes-128-gcm', aes128, crypto.randomBytes(12), Buffer.from('short key'), 1)
    assert.deepEqual(dataOf(await h.call('update', 'decrypt/app', { ciphertext: ct })), {
      plaintext: b64('short key'),
    })
    const chacha = await withKnownKey({ type: 'chacha20-poly1305' })
    const ct2 = sealIndependently('chacha20-poly1305', KEY, crypto.randomBytes(12), Buffer.from('chacha'), 1)
    assert.deepEqual(dataOf(await chacha.call('update', 'decrypt/app', { ciphertext: ct2 })), {
      plaintext: b64('chacha'),
    })
    const own = dataOf(await chacha.call('update', 'encrypt/app', { plaintext: b64('back') }))
    assert.deepEqual(
      openIndependently('chacha20-poly1305', KEY, own['ciphertext'] as string).plaintext,
      Buffer.from('back'),
    )
  })

  it('derives per-context keys with HKDF-SHA256 (no salt, context as info), as Vault does', async () => {
    const h = await withKnownKey({ derived: true })
    const context = Buffer.from('user-42')
    const derived = Buffer.from(crypto.hkdfSync('sha256', KEY, Buffer.alloc(0), context, 32))
    const ct = sealIndependently('aes-256-gcm', derived, crypto.randomBytes(12), Buffer.from('per user'), 1)
    assert.deepEqual(
      dataOf(await h.call('update', 'decrypt/app', { ciphertext: ct, context: b64(context) })),
      {
        plaintext: b64('per user'),
      },
    )
    assert.equal(
      (await failure(() => h.call('update', 'decrypt/app', { ciphertext: ct, context: b64('user-43') })))
        .message,
      'cipher: message authentication failed',
    )
    assert.match(
      (await failure(() => h.call('update', 'encrypt/app', { plaintext: b64('x') }))).message,
      /^missing 'context' for key derivation/,
    )
  })

  it('convergent keys (version 3) derive the nonce from an HMAC of the plaintext: the exact ciphertext is predictable', async () => {
    const h = await withKnownKey({ derived: true, convergent_encryption: true })
    const context = Buffer.from('ctx')
    const plaintext = Buffer.from('same in, same out')
    const material = Buffer.from(crypto.hkdfSync('sha256', KEY, Buffer.alloc(0), context, 64))
    const nonce = crypto
      .createHmac('sha256', material.subarray(32))
      .update(plaintext)
      .digest()
      .subarray(0, 12)
    const expected = sealIndependently('aes-256-gcm', material.subarray(0, 32), nonce, plaintext, 1)
    const request = { plaintext: b64(plaintext), context: b64(context) }
    assert.equal(dataOf(await h.call('update', 'encrypt/app', request))['ciphertext'], expected)
    assert.equal(dataOf(await h.call('update', 'encrypt/app', request))['ciphertext'], expected)
    assert.equal(dataOf(await h.call('read', 'keys/app'))['convergent_encryption_version'], 3)
    assert.deepEqual(
      await failure(() => h.call('update', 'encrypt/app', { ...request, nonce: b64('123456789012') })),
      {
        status: 400,
        message: 'nonce provided when not allowed',
      },
    )
  })
})

describe('transit encryption, versions and errors', () => {
  it('rotation: old ciphertexts decrypt, rewrap moves them to the latest, min_decryption_version refuses old ones', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/app')
    const v1 = dataOf(await h.call('update', 'encrypt/app', { plaintext: b64('secret') }))[
      'ciphertext'
    ] as string
    await h.call('update', 'keys/app/rotate')
    const rewrapped = dataOf(await h.call('update', 'rewrap/app', { ciphertext: v1 }))
    assert.equal(rewrapped['key_version'], 2)
    assert.match(rewrapped['ciphertext'] as string, /^vault:v2:/)
    assert.equal(rewrapped['plaintext'], undefined)
    assert.deepEqual(dataOf(await h.call('update', 'decrypt/app', { ciphertext: v1 })), {
      plaintext: b64('secret'),
    })
    await h.call('update', 'keys/app/config', { min_decryption_version: 2 })
    assert.deepEqual(await failure(() => h.call('update', 'decrypt/app', { ciphertext: v1 })), {
      status: 400,
      message: 'ciphertext or signature version is disallowed by policy (too old)',
    })
    assert.deepEqual(dataOf(await h.call('update', 'decrypt/app', { ciphertext: rewrapped['ciphertext'] })), {
      plaintext: b64('secret'),
    })
    const old = dataOf(await h.call('update', 'encrypt/app', { plaintext: b64('x'), key_version: 1 }))
    assert.match(old['ciphertext'] as string, /^vault:v1:/)
    await h.call('update', 'keys/app/config', { min_encryption_version: 2 })
    assert.deepEqual(
      await failure(() => h.call('update', 'encrypt/app', { plaintext: b64('x'), key_version: 1 })),
      {
        status: 400,
        message: 'requested version for encryption is less than the minimum encryption key version',
      },
    )
    assert.equal(
      (await failure(() => h.call('update', 'encrypt/app', { plaintext: b64('x'), key_version: 3 }))).status,
      400,
    )
  })

  it('answers every malformed input with a 400 and Vault’s message', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/app')
    await h.call('create', 'keys/signer', { type: 'ed25519' })
    const cases: [string, Record<string, unknown>, string][] = [
      ['encrypt/app', { plaintext: 'not base64!' }, 'illegal base64 data at input byte 3'],
      ['encrypt/app', {}, 'missing plaintext to encrypt'],
      ['encrypt/app', { plaintext: b64('x'), context: '%%%' }, 'illegal base64 data at input byte 0'],
      ['decrypt/app', {}, 'missing ciphertext to decrypt'],
      ['decrypt/app', { ciphertext: 'garbage' }, 'invalid ciphertext: no prefix'],
      ['decrypt/app', { ciphertext: 'vault:v1' }, 'invalid ciphertext: wrong number of fields'],
      [
        'decrypt/app',
        { ciphertext: 'vault:vx:AAAA' },
        'invalid ciphertext: version number could not be decoded',
      ],
      ['decrypt/app', { ciphertext: 'vault:v9:AAAA' }, 'invalid ciphertext: version is too new'],
      ['decrypt/app', { ciphertext: 'vault:v1:***' }, 'invalid ciphertext: could not decode base64'],
      ['decrypt/app', { ciphertext: 'vault:v1:AAAA' }, 'invalid ciphertext length'],
      [
        'decrypt/app',
        { ciphertext: `vault:v1:${b64(crypto.randomBytes(40))}` },
        'cipher: message authentication failed',
      ],
      ['decrypt/missing', { ciphertext: 'vault:v1:AAAA' }, 'encryption key not found'],
      ['encrypt/signer', { plaintext: b64('x') }, 'message encryption not supported for key type ed25519'],
      ['sign/app', { input: b64('x') }, 'key type aes256-gcm96 does not support signing'],
      ['datakey/plaintext/app', { bits: 100 }, 'invalid bit length'],
      ['hash/sha2-999', { input: b64('x') }, 'unsupported hash algorithm sha2-999'],
    ]
    for (const [path, data, message] of cases) {
      assert.deepEqual(await failure(() => h.call('update', path, data)), { status: 400, message }, path)
    }
  })

  it('upserts the key on first encrypt (create), and never twice under racing upserts', async () => {
    const h = await makeTransit()
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => h.call('create', 'encrypt/fresh', { plaintext: b64(`m${i}`) })),
    )
    for (const [i, result] of results.entries()) {
      const ciphertext = dataOf(result)['ciphertext']
      assert.deepEqual(dataOf(await h.call('update', 'decrypt/fresh', { ciphertext })), {
        plaintext: b64(`m${i}`),
      })
    }
    assert.equal(dataOf(await h.call('read', 'keys/fresh'))['latest_version'], 1)
    assert.deepEqual(await failure(() => h.call('update', 'encrypt/other', { plaintext: b64('x') })), {
      status: 400,
      message: 'encryption key not found',
    })
  })

  it('batches: per-item results and errors, 400 when any fails unless partial_failure_response_code', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/app')
    const ok = await h.call('update', 'encrypt/app', {
      batch_input: [
        { plaintext: b64('a'), reference: 'r1' },
        { plaintext: b64('b'), reference: 'r2' },
      ],
    })
    assert.equal(ok?.status, undefined)
    const items = dataOf(ok)['batch_results'] as Record<string, unknown>[]
    assert.deepEqual(
      items.map((i) => [i['reference'], i['key_version']]),
      [
        ['r1', 1],
        ['r2', 1],
      ],
    )
    const mixed = await h.call('update', 'decrypt/app', {
      batch_input: [{ ciphertext: items[0]?.['ciphertext'] }, { ciphertext: 'nope', reference: 'bad' }],
    })
    assert.equal(mixed?.status, 400)
    assert.deepEqual(dataOf(mixed)['batch_results'], [
      { plaintext: b64('a'), reference: '' },
      { error: 'invalid ciphertext: no prefix', reference: 'bad' },
    ])
    const partial = await h.call('update', 'decrypt/app', {
      batch_input: [{ ciphertext: items[1]?.['ciphertext'] }, { ciphertext: 'nope' }],
      partial_failure_response_code: 207,
    })
    assert.equal(partial?.status, 207)
    assert.deepEqual(await failure(() => h.call('update', 'encrypt/app', { batch_input: [] })), {
      status: 400,
      message: 'missing batch input to process',
    })
  })

  it('datakey: wrapped keys decrypt to the plaintext key; bits 128/256/512', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/app')
    for (const bits of [128, 256, 512]) {
      const data = dataOf(await h.call('update', 'datakey/plaintext/app', { bits }))
      assert.equal(Buffer.from(data['plaintext'] as string, 'base64').length, bits / 8)
      assert.deepEqual(dataOf(await h.call('update', 'decrypt/app', { ciphertext: data['ciphertext'] })), {
        plaintext: data['plaintext'],
      })
    }
    const wrapped = dataOf(await h.call('update', 'datakey/wrapped/app', {}))
    assert.equal(wrapped['plaintext'], undefined)
    assert.match(wrapped['ciphertext'] as string, /^vault:v1:/)
  })

  it('RSA keys encrypt with OAEP-SHA256 that an outside OAEP decrypt opens', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/rsa', { type: 'rsa-2048' })
    const ciphertext = dataOf(await h.call('update', 'encrypt/rsa', { plaintext: b64('to rsa') }))[
      'ciphertext'
    ] as string
    const privateKey = (await storedKey(h, 'rsa')).versions['1']?.private_key ?? ''
    const opened = crypto.privateDecrypt(
      { key: privateKey, oaepHash: 'sha256', padding: crypto.constants.RSA_PKCS1_OAEP_PADDING },
      Buffer.from(ciphertext.split(':')[2] ?? '', 'base64'),
    )
    assert.equal(opened.toString(), 'to rsa')
    assert.deepEqual(dataOf(await h.call('update', 'decrypt/rsa', { ciphertext })), {
      plaintext: b64('to rsa'),
    })
    assert.deepEqual(
      await failure(() => h.call('update', 'encrypt/rsa', { plaintext: b64('x'.repeat(191)) })),
      {
        status: 400,
        message: 'crypto/rsa: message too long for RSA key size',
      },
    )
    assert.equal(
      (await h.call('update', 'encrypt/rsa', { plaintext: b64('x'.repeat(190)) }))?.data?.['key_version'],
      1,
    )
    assert.deepEqual(await failure(() => h.call('update', 'decrypt/rsa', { ciphertext: 'vault:v1:AAAA' })), {
      status: 400,
      message: 'crypto/rsa: decryption error',
    })
  })
})
