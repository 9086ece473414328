// OpenBao's transit engine unit tests (keys, backend, datakey, encrypt/decrypt edges, RSA) replayed over HTTP: each `it` names the Go test and case.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('openbao transit', () => {
  let t: TestServer
  let m = ''
  let mounts = 0
  before(async () => {
    t = await startDevServer()
  })
  after(() => t.close())
  /** A fresh transit mount, so each replay starts from an empty backend as the Go tests do. */
  const fresh = async () => {
    m = `transit${++mounts}`
    const res = await t.call('POST', `sys/mounts/${m}`, { body: { type: 'transit' } })
    assert.equal(res.status, 204, JSON.stringify(res.body))
  }
  const call = (method: string, path: string, body?: unknown) =>
    t.call(method, `${m}/${path}`, body === undefined ? {} : { body })
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body)
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`)
    return res
  }
  /** A 400 whose errors are exactly `message`. */
  const refused = async (method: string, path: string, body: unknown, message: string) => {
    const res = await call(method, path, body)
    assert.equal(res.status, 400, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`)
    assert.deepEqual(res.body.errors, [message])
    return res
  }
  const fox = 'dGhlIHF1aWNrIGJyb3duIGZveA=='

  it('TestCreateDerivedKey: symmetric and ed25519 keys may be derived; hmac, RSA and ECDSA keys may not', async () => {
    await fresh()
    for (const type of ['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305', 'ed25519']) {
      const res = await ok('POST', `keys/${type}`, { type, derived: true })
      assert.equal(res.body.data.derived, true)
    }
    for (const type of [
      'hmac',
      'rsa-2048',
      'rsa-3072',
      'rsa-4096',
      'ecdsa-p256',
      'ecdsa-p384',
      'ecdsa-p521',
    ]) {
      await refused(
        'POST',
        `keys/${type}`,
        { type, derived: true, ...(type === 'hmac' ? { key_size: 32 } : {}) },
        `key derivation and convergent encryption not supported for keys of type ${type}`,
      )
      assert.equal((await call('GET', `keys/${type}`)).status, 404)
    }
  })

  it('pathPolicyWrite / GetPolicy: convergent needs derived; ed25519 is never convergent; unknown types refused', async () => {
    await fresh()
    for (const type of ['aes256-gcm96', 'ecdsa-p256', 'ed25519'])
      await refused(
        'POST',
        'keys/k',
        { type, convergent_encryption: true },
        'convergent encryption requires derivation to be enabled',
      )
    await refused(
      'POST',
      'keys/k',
      { type: 'ed25519', derived: true, convergent_encryption: true },
      'convergent encryption not supported for keys of type ed25519',
    )
    await refused('POST', 'keys/k', { type: 'aes512-gcm' }, 'unknown key type aes512-gcm')
    assert.equal((await call('GET', 'keys/k')).status, 404)
    const res = await ok('POST', 'keys/k', { derived: true, convergent_encryption: true })
    assert.equal(res.body.data.convergent_encryption, true)
    assert.equal(res.body.data.convergent_encryption_version, 3)
    assert.equal(res.body.data.kdf, 'hkdf_sha256')
    // A second write changes nothing and says so.
    const again = await ok('POST', 'keys/k', { type: 'ed25519' })
    assert.deepEqual(again.body.warnings, ['key k already existed'])
    assert.equal(again.body.data.type, 'aes256-gcm96')
  })

  it('pathPolicyWrite: key_size only for hmac keys, from 32 to 512 bytes', async () => {
    await fresh()
    for (const type of ['aes256-gcm96', 'aes128-gcm96', 'ed25519'])
      for (const key_size of [16, 32])
        await refused('POST', 'keys/k', { type, key_size }, `key_size is not valid for algorithm ${type}`)
    for (const key_size of [31, 513, -1])
      await refused('POST', 'keys/h', { type: 'hmac', key_size }, `invalid key_size ${key_size}`)
    assert.equal((await ok('POST', 'keys/h', { type: 'hmac', key_size: 512 })).body.data.key_size, 512)
    const hmac = await ok('POST', 'hmac/h', { input: fox })
    assert.match(hmac.body.data.hmac, /^vault:v1:/)
  })

  it('TestTransit_CreateKeyWithAutorotation: 0 or at least an hour; seconds in the read', async () => {
    await fresh()
    const cases: [unknown, number | undefined][] = [
      [undefined, 0],
      [0, 0],
      ['0', 0],
      ['5s', undefined],
      ['5h', 5 * 3600],
      ['-1800s', undefined],
      ["this shouldn't work", undefined],
    ]
    let n = 0
    for (const [period, want] of cases) {
      const name = `k${++n}`
      const res = await call(
        'POST',
        `keys/${name}`,
        period === undefined ? {} : { auto_rotate_period: period },
      )
      if (want === undefined) {
        assert.equal(res.status, 400, `${period}: ${JSON.stringify(res.body)}`)
        continue
      }
      assert.equal(res.status, 200, `${period}: ${JSON.stringify(res.body)}`)
      assert.equal((await ok('GET', `keys/${name}`)).body.data.auto_rotate_period, want)
    }
    await refused(
      'POST',
      'keys/short',
      { auto_rotate_period: '59m' },
      'auto rotate period must be 0 to disable or at least an hour',
    )
  })

  it('TestTransit_Issue_2958: ECDSA and Ed25519 keys read back with their public keys', async () => {
    await fresh()
    for (const [name, type, curve] of [
      ['foo', 'ecdsa-p256', 'P-256'],
      ['foobar', 'ecdsa-p384', 'P-384'],
      ['bar', 'ed25519', 'ed25519'],
    ] as const) {
      await ok('POST', `keys/${name}`, { type })
      const key = (await ok('GET', `keys/${name}`)).body.data.keys['1']
      assert.equal(key.name, curve)
      assert.ok(key.public_key.length > 0)
    }
  })

  it('TestBackend_basic: list, read, encrypt and decrypt (empty too), delete only when allowed', async () => {
    await fresh()
    assert.equal((await call('LIST', 'keys')).status, 404)
    await ok('POST', 'keys/test')
    assert.deepEqual((await ok('LIST', 'keys')).body.data.keys, ['test'])
    const read = (await ok('GET', 'keys/test')).body.data
    assert.equal(read.name, 'test')
    assert.equal(read.type, 'aes256-gcm96')
    assert.equal(read.derived, false)
    assert.equal(read.deletion_allowed, false)
    assert.equal(read.min_decryption_version, 1)
    assert.equal(read.min_encryption_version, 0)
    assert.equal(read.latest_version, 1)
    assert.equal(read.supports_encryption, true)
    assert.equal(read.kdf, undefined)
    for (const plaintext of [fox, '']) {
      const enc = await ok('POST', 'encrypt/test', { plaintext })
      const dec = await ok('POST', 'decrypt/test', { ciphertext: enc.body.data.ciphertext })
      assert.equal(dec.body.data.plaintext, plaintext)
    }
    await refused(
      'DELETE',
      'keys/test',
      undefined,
      'error deleting policy test: deletion is not allowed for this policy',
    )
    await ok('POST', 'keys/test/config', { deletion_allowed: true })
    await ok('DELETE', 'keys/test')
    assert.equal((await call('GET', 'keys/test')).status, 404)
    await ok('POST', 'keys/test')
    await ok('POST', 'keys/test/config', { deletion_allowed: true })
    await ok('POST', 'keys/test/config', { deletion_allowed: false })
    await refused(
      'DELETE',
      'keys/test',
      undefined,
      'error deleting policy test: deletion is not allowed for this policy',
    )
    await ok('POST', 'keys/test/config', { deletion_allowed: true })
    await ok('DELETE', 'keys/test')
    assert.equal((await call('GET', 'keys/test')).status, 404)
  })

  it('TestBackend_upsert: encrypt creates the key; list and read show it; it decrypts', async () => {
    await fresh()
    assert.equal((await call('GET', 'keys/test')).status, 404)
    const enc = await ok('POST', 'encrypt/test', { plaintext: fox })
    assert.deepEqual((await ok('LIST', 'keys')).body.data.keys, ['test'])
    assert.equal((await ok('GET', 'keys/test')).body.data.derived, false)
    assert.equal(
      (await ok('POST', 'decrypt/test', { ciphertext: enc.body.data.ciphertext })).body.data.plaintext,
      fox,
    )
  })

  it('pathEncryptWrite (upsert): only symmetric types are created; convergent needs a context', async () => {
    await fresh()
    for (const type of ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521'])
      await refused(
        'POST',
        'encrypt/up',
        { plaintext: fox, type },
        `key type ${type} not supported for this operation`,
      )
    for (const type of ['rsa-2048', 'ed25519', 'hmac', 'nope'])
      await refused('POST', 'encrypt/up', { plaintext: fox, type }, `unknown key type ${type}`)
    await refused(
      'POST',
      'encrypt/up',
      { plaintext: fox, convergent_encryption: true },
      'convergent encryption requires derivation to be enabled, so context is required',
    )
    assert.equal((await call('GET', 'keys/up')).status, 404)
    const ctx = 'dGVzdGNvbnRleHQ='
    const first = await ok('POST', 'encrypt/up', {
      plaintext: fox,
      context: ctx,
      type: 'chacha20-poly1305',
      convergent_encryption: true,
    })
    const key = (await ok('GET', 'keys/up')).body.data
    assert.equal(key.type, 'chacha20-poly1305')
    assert.equal(key.convergent_encryption, true)
    const second = await ok('POST', 'encrypt/up', { plaintext: fox, context: ctx })
    assert.equal(second.body.data.ciphertext, first.body.data.ciphertext)
  })

  it('TestBackend_datakey: plaintext and wrapped data keys of 128, 256 and 512 bits; bad bits or kind refused', async () => {
    await fresh()
    await ok('POST', 'keys/test')
    for (const bits of [128, 256, 512]) {
      const res = await ok('POST', 'datakey/plaintext/test', { bits })
      assert.equal(Buffer.from(res.body.data.plaintext, 'base64').length, bits / 8)
      assert.equal(res.body.data.key_version, 1)
      const dec = await ok('POST', 'decrypt/test', { ciphertext: res.body.data.ciphertext })
      assert.equal(dec.body.data.plaintext, res.body.data.plaintext)
    }
    const wrapped = await ok('POST', 'datakey/wrapped/test', { bits: 128 })
    assert.equal(wrapped.body.data.plaintext, undefined)
    const dec = await ok('POST', 'decrypt/test', { ciphertext: wrapped.body.data.ciphertext })
    assert.equal(Buffer.from(dec.body.data.plaintext, 'base64').length, 16)
    await refused('POST', 'datakey/plaintext/test', { bits: 64 }, 'invalid bit length')
    await refused('POST', 'datakey/other/test', {}, `Invalid path, must be 'plaintext' or 'wrapped'`)
    await refused('POST', 'datakey/plaintext/missing', {}, 'encryption key not found')
    // The key is looked up before bits are checked, as in Vault.
    await refused('POST', 'datakey/plaintext/missing', { bits: 64 }, 'encryption key not found')
  })

  it('TestBackend_rotation: each version encrypts; v99 and versions under min_decryption_version fail; rewrap moves to the latest', async () => {
    await fresh()
    await ok('POST', 'keys/test')
    const history: Record<number, string> = {}
    history[1] = (await ok('POST', 'encrypt/test', { plaintext: fox, key_version: 1 })).body.data.ciphertext
    for (const v of [2, 3, 4]) {
      await ok('POST', 'keys/test/rotate')
      const res = await ok('POST', 'encrypt/test', { plaintext: fox, key_version: v })
      assert.equal(res.body.data.key_version, v)
      history[v] = res.body.data.ciphertext
    }
    await refused(
      'POST',
      'encrypt/test',
      { plaintext: fox, key_version: 99 },
      'requested version for encryption is higher than the latest key version',
    )
    await refused(
      'POST',
      'decrypt/test',
      { ciphertext: (history[4] as string).replace('vault:v4:', 'vault:v99:') },
      'invalid ciphertext: version is too new',
    )
    await refused(
      'DELETE',
      'keys/test',
      undefined,
      'error deleting policy test: deletion is not allowed for this policy',
    )
    await ok('POST', 'keys/test/config', { min_decryption_version: 3, min_encryption_version: 4 })
    const key = (await ok('GET', 'keys/test')).body.data
    assert.equal(key.min_decryption_version, 3)
    assert.equal(key.min_encryption_version, 4)
    assert.deepEqual(Object.keys(key.keys).sort(), ['3', '4'])
    for (const v of [1, 2])
      await refused(
        'POST',
        'decrypt/test',
        { ciphertext: history[v] },
        'ciphertext or signature version is disallowed by policy (too old)',
      )
    for (const v of [3, 4])
      assert.equal((await ok('POST', 'decrypt/test', { ciphertext: history[v] })).body.data.plaintext, fox)
    await refused(
      'POST',
      'encrypt/test',
      { plaintext: fox, key_version: 3 },
      'requested version for encryption is less than the minimum encryption key version',
    )
    await ok('POST', 'keys/test/config', { min_decryption_version: 1 })
    const rewrapped = await ok('POST', 'rewrap/test', { ciphertext: history[1] })
    assert.match(rewrapped.body.data.ciphertext, /^vault:v4:/)
    assert.equal(rewrapped.body.data.key_version, 4)
    assert.equal(
      (await ok('POST', 'decrypt/test', { ciphertext: rewrapped.body.data.ciphertext })).body.data.plaintext,
      fox,
    )
    await ok('POST', 'keys/test/config', { deletion_allowed: true })
    await ok('DELETE', 'keys/test')
    assert.equal((await call('LIST', 'keys')).status, 404)
  })

  it("TestBackend_basic_derived: a derived key needs the context to encrypt and decrypt, and answers Vault's message without it", async () => {
    await fresh()
    await ok('POST', 'keys/test', { derived: true })
    const read = (await ok('GET', 'keys/test')).body.data
    assert.equal(read.derived, true)
    assert.equal(read.kdf, 'hkdf_sha256')
    assert.equal(read.convergent_encryption, false)
    const context = Buffer.from('my-cool-context').toString('base64')
    const enc = await ok('POST', 'encrypt/test', { plaintext: fox, context })
    assert.equal(
      (await ok('POST', 'decrypt/test', { ciphertext: enc.body.data.ciphertext, context })).body.data
        .plaintext,
      fox,
    )
    const missing =
      "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key"
    await refused('POST', 'encrypt/test', { plaintext: fox }, missing)
    await refused('POST', 'decrypt/test', { ciphertext: enc.body.data.ciphertext }, missing)
  })

  it('TestConvergentEncryption: equal plaintext and context give equal ciphertexts; another context another; a nonce is refused', async () => {
    await fresh()
    await ok('POST', 'keys/conv', { derived: true, convergent_encryption: true })
    const ctx1 = 'pWZ6t/im3AORd0lVYE0zBdKpX6Bl3/SvFtoVTPWbdkzjG788XmMAnOlxandSdd7S'
    const ctx2 = 'qV4h9iQyvn+raODOer4JNAsOhkXBwdT4HZ677Ql4KLqXSU+Jk4C/fXBWbv6xkSYT'
    const enc = async (plaintext: string, context: string) =>
      (await ok('POST', 'encrypt/conv', { plaintext, context })).body.data.ciphertext as string
    const a = await enc(fox, ctx1)
    assert.equal(await enc(fox, ctx1), a)
    assert.notEqual(await enc(fox, ctx2), a)
    assert.notEqual(await enc('dGhlIHF1aWNrIGJyb3duIGZveDI=', ctx1), a)
    assert.equal(
      (await ok('POST', 'decrypt/conv', { ciphertext: a, context: ctx1 })).body.data.plaintext,
      fox,
    )
    await refused(
      'POST',
      'encrypt/conv',
      { plaintext: fox, context: ctx1, nonce: crypto.randomBytes(12).toString('base64') },
      'nonce provided when not allowed',
    )
    // Another version makes another ciphertext.
    await ok('POST', 'keys/conv/rotate')
    assert.notEqual(await enc(fox, ctx1), a)
  })

  it('TestBadInput: a ciphertext too short to hold a nonce and tag is refused', async () => {
    await fresh()
    await ok('POST', 'keys/test')
    await refused('POST', 'decrypt/test', { ciphertext: 'vault:v1:abcd' }, 'invalid ciphertext length')
    await refused('POST', 'decrypt/test', { ciphertext: 'v1:abcd' }, 'invalid ciphertext: no prefix')
    await refused(
      'POST',
      'decrypt/test',
      { ciphertext: 'vault:vx:abcd' },
      'invalid ciphertext: version number could not be decoded',
    )
    await refused('POST', 'decrypt/test', {}, 'missing ciphertext to decrypt')
    await refused('POST', 'decrypt/missing', { ciphertext: 'vault:v1:abcd' }, 'encryption key not found')
  })

  it('TestTransit_AEAD: associated_data binds the ciphertext, for encrypt and datakey; AES and ChaCha20', async () => {
    await fresh()
    const ad = 'U29tZSBhc3NvY2lhdGVkIGRhdGE='
    for (const type of ['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305']) {
      await ok('POST', `keys/${type}`, { type })
      const plain = (await ok('POST', `encrypt/${type}`, { plaintext: fox })).body.data.ciphertext
      await refused(
        'POST',
        `decrypt/${type}`,
        { ciphertext: plain, associated_data: ad },
        'cipher: message authentication failed',
      )
      const bound = (await ok('POST', `encrypt/${type}`, { plaintext: fox, associated_data: ad })).body.data
        .ciphertext
      assert.equal(
        (await ok('POST', `decrypt/${type}`, { ciphertext: bound, associated_data: ad })).body.data.plaintext,
        fox,
      )
      await refused('POST', `decrypt/${type}`, { ciphertext: bound }, 'cipher: message authentication failed')
      const dk = (await ok('POST', `datakey/plaintext/${type}`, { associated_data: ad })).body.data
      assert.equal(
        (await ok('POST', `decrypt/${type}`, { ciphertext: dk.ciphertext, associated_data: ad })).body.data
          .plaintext,
        dk.plaintext,
      )
      await refused(
        'POST',
        `decrypt/${type}`,
        { ciphertext: dk.ciphertext },
        'cipher: message authentication failed',
      )
    }
  })

  it("pathEncryptWrite / pathDecryptWrite: associated_data on a non-AEAD key is refused with the item's index", async () => {
    await fresh()
    await ok('POST', 'keys/rsa', { type: 'rsa-2048' })
    const ad = 'YWQ='
    await refused(
      'POST',
      'encrypt/rsa',
      { plaintext: fox, associated_data: ad },
      "'[0].associated_data' provided for non-AEAD cipher suite rsa-2048",
    )
    const ciphertext = (await ok('POST', 'encrypt/rsa', { plaintext: fox })).body.data.ciphertext
    await refused(
      'POST',
      'decrypt/rsa',
      { ciphertext, associated_data: ad },
      "'[0].associated_data' provided for non-AEAD cipher suite rsa-2048",
    )
    const batch = await call('POST', 'encrypt/rsa', {
      batch_input: [{ plaintext: fox }, { plaintext: fox, associated_data: ad }],
    })
    assert.equal(batch.status, 400)
    assert.equal(
      batch.body.data.batch_results[1].error,
      "'[1].associated_data' provided for non-AEAD cipher suite rsa-2048",
    )
    await refused(
      'POST',
      'datakey/wrapped/rsa',
      { associated_data: ad },
      "'associated_data' provided for non-AEAD cipher suite rsa-2048",
    )
  })

  it('EncryptWithFactory / DecryptWithFactory / pathSignWrite / pathVerifyWrite: operations the key type lacks are refused', async () => {
    await fresh()
    await ok('POST', 'keys/ed', { type: 'ed25519' })
    await ok('POST', 'keys/aes')
    await refused(
      'POST',
      'encrypt/ed',
      { plaintext: fox },
      'message encryption not supported for key type ed25519',
    )
    await refused(
      'POST',
      'decrypt/ed',
      { ciphertext: 'vault:v1:abcd' },
      'message decryption not supported for key type ed25519',
    )
    await refused('POST', 'sign/aes', { input: fox }, 'key type aes256-gcm96 does not support signing')
    await refused(
      'POST',
      'verify/aes',
      { input: fox, signature: 'vault:v1:abcd' },
      'key type aes256-gcm96 does not support verification',
    )
    await refused('POST', 'sign/missing', { input: fox }, 'signing key not found')
    await refused(
      'POST',
      'verify/missing',
      { input: fox, signature: 'vault:v1:abcd' },
      'signature verification key not found',
    )
  })

  it('TestTransit_RSA: encrypt and decrypt across a rotation; PSS sign and verify with its hash; PKCS#1 v1.5 of a raw digest', async () => {
    await fresh()
    await ok('POST', 'keys/rsa', { type: 'rsa-2048' })
    const c1 = (await ok('POST', 'encrypt/rsa', { plaintext: fox })).body.data.ciphertext
    assert.equal((await ok('POST', 'decrypt/rsa', { ciphertext: c1 })).body.data.plaintext, fox)
    await ok('POST', 'keys/rsa/rotate')
    const c2 = (await ok('POST', 'encrypt/rsa', { plaintext: fox })).body.data.ciphertext
    assert.notEqual(c1, c2)
    assert.match(c2, /^vault:v2:/)
    for (const c of [c1, c2])
      assert.equal((await ok('POST', 'decrypt/rsa', { ciphertext: c })).body.data.plaintext, fox)
    let sig = (await ok('POST', 'sign/rsa', { input: fox })).body.data.signature
    assert.equal((await ok('POST', 'verify/rsa', { input: fox, signature: sig })).body.data.valid, true)
    await refused(
      'POST',
      'sign/rsa',
      { input: fox, hash_algorithm: 'invalid' },
      'invalid hash algorithm "invalid"',
    )
    sig = (await ok('POST', 'sign/rsa', { input: fox, hash_algorithm: 'sha2-512' })).body.data.signature
    assert.equal((await ok('POST', 'verify/rsa', { input: fox, signature: sig })).body.data.valid, false)
    assert.equal(
      (await ok('POST', 'verify/rsa', { input: fox, signature: sig, hash_algorithm: 'sha2-512' })).body.data
        .valid,
      true,
    )
    const hash = 'P8m2iUWdc4+MiKOkiqnjNUIBa3pAUuABqqU2/KdIE8s='
    const raw = { input: hash, hash_algorithm: 'none', signature_algorithm: 'pkcs1v15', prehashed: true }
    sig = (await ok('POST', 'sign/rsa', raw)).body.data.signature
    assert.equal((await ok('POST', 'verify/rsa', { ...raw, signature: sig })).body.data.valid, true)
    // The signature is the bare RSA operation on the digest, as Go's SignPKCS1v15 with hash 0 makes it.
    const pem = (await ok('GET', 'keys/rsa')).body.data.keys['2'].public_key
    const recovered = crypto.publicDecrypt(
      { key: pem, padding: crypto.constants.RSA_PKCS1_PADDING },
      Buffer.from(sig.split(':')[2], 'base64'),
    )
    assert.equal(recovered.toString('base64'), hash)
    await refused(
      'POST',
      'sign/rsa',
      { input: hash, hash_algorithm: 'none' },
      'hash_algorithm=none requires both prehashed=true and signature_algorithm=pkcs1v15',
    )
  })
})
