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

  /** Vault's import blob, made as the Go tests' wrapTargetPKCS8ForImport makes it: RSA-OAEP then AES-KWP. */
  const wrapForImport = async (material: Buffer, hash = 'sha256') => {
    const publicKey = (await ok('GET', 'wrapping_key')).body.data.public_key
    const ephemeral = crypto.randomBytes(32)
    const wrapped = crypto.publicEncrypt(
      { key: publicKey, oaepHash: hash, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING },
      ephemeral,
    )
    const kwp = crypto.createCipheriv('id-aes256-wrap-pad', ephemeral, Buffer.from('A65959A6', 'hex'))
    return Buffer.concat([wrapped, kwp.update(material), kwp.final()]).toString('base64')
  }
  const pkcs8 = (key: crypto.KeyObject) => key.export({ type: 'pkcs8', format: 'der' })

  it('TestTransit_Import: every type and hash function imports and works; an existing key or bad input is refused', async () => {
    await fresh()
    const hashes = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512']
    const materials: [string, Buffer][] = [
      ['aes128-gcm96', crypto.randomBytes(16)],
      ['aes256-gcm96', crypto.randomBytes(32)],
      ['chacha20-poly1305', crypto.randomBytes(32)],
      ['hmac', crypto.randomBytes(64)],
      ['ed25519', pkcs8(crypto.generateKeyPairSync('ed25519').privateKey)],
      ['ecdsa-p256', pkcs8(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)],
      ['ecdsa-p384', pkcs8(crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey)],
      ['ecdsa-p521', pkcs8(crypto.generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey)],
      ['rsa-2048', pkcs8(crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)],
    ]
    let n = 0
    for (const [type, material] of materials) {
      const hash = hashes[n % hashes.length] as string
      const name = `imported-${++n}`
      const res = await call('POST', `keys/${name}/import`, {
        ciphertext: await wrapForImport(material, hash),
        type,
        hash_function: n % 2 === 0 ? hash : hash.toUpperCase(),
      })
      assert.equal(res.status, 204, `${type}: ${JSON.stringify(res.body)}`)
      const key = (await ok('GET', `keys/${name}`)).body.data
      assert.equal(key.type, type)
      assert.equal(key.imported_key, true)
      if (type === 'hmac') assert.equal(key.key_size, 64)
      // The import path never replaces a key.
      await refused(
        'POST',
        `keys/${name}/import`,
        { ciphertext: await wrapForImport(material), type },
        'the import path cannot be used with an existing key; use import-version to rotate an existing imported key',
      )
    }
    await ok('POST', 'keys/generated')
    await refused(
      'POST',
      'keys/generated/import',
      { ciphertext: await wrapForImport(crypto.randomBytes(32)) },
      'the import path cannot be used with an existing key; use import-version to rotate an existing imported key',
    )
    // An AES key imported under a mixed-case type name encrypts as the material says.
    const material = crypto.randomBytes(32)
    await ok('POST', 'keys/mixed/import', { ciphertext: await wrapForImport(material), type: 'AES256-GCM96' })
    const nonce = crypto.randomBytes(12)
    const cipher = crypto.createCipheriv('aes-256-gcm', material, nonce)
    const sealed = Buffer.concat([nonce, cipher.update('outside'), cipher.final(), cipher.getAuthTag()])
    const dec = await ok('POST', 'decrypt/mixed', { ciphertext: `vault:v1:${sealed.toString('base64')}` })
    assert.equal(Buffer.from(dec.body.data.plaintext, 'base64').toString(), 'outside')
  })

  it('TestTransit_Import (failures): bad ciphertext, type, hash function, convergent, size; auto-rotation needs allow_rotation', async () => {
    await fresh()
    const blob = await wrapForImport(crypto.randomBytes(32))
    let res = await call('POST', 'keys/k/import', { ciphertext: 'ZmFrZSBjaXBoZXJ0ZXh0Cg' })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    res = await call('POST', 'keys/k/import', {})
    assert.equal(res.status, 400, JSON.stringify(res.body))
    await refused(
      'POST',
      'keys/k/import',
      { ciphertext: blob, type: 'fake-key-type' },
      'unknown key type: fake-key-type',
    )
    await refused(
      'POST',
      'keys/k/import',
      { ciphertext: blob, hash_function: 'fake-hash-fn' },
      'unknown hash function: fake-hash-fn',
    )
    await refused(
      'POST',
      'keys/k/import',
      { ciphertext: blob, convergent_encryption: true },
      'import cannot be used on keys with convergent encryption enabled',
    )
    await refused(
      'POST',
      'keys/k/import',
      { ciphertext: blob, convergent_encryption: false },
      'import cannot be used on keys with convergent encryption enabled',
    )
    await refused(
      'POST',
      'keys/k/import',
      { ciphertext: blob, auto_rotate_period: '2h' },
      'allow_rotation must be set to true if auto-rotation is enabled',
    )
    await refused(
      'POST',
      'keys/k/import',
      { ciphertext: await wrapForImport(crypto.randomBytes(16)) },
      'error importing key: invalid key size 16 bytes for key type aes256-gcm96',
    )
    await refused(
      'POST',
      'keys/k/import',
      { ciphertext: await wrapForImport(crypto.randomBytes(16)), type: 'hmac' },
      'error importing key: invalid key size 16 bytes for key type hmac',
    )
    assert.equal((await call('GET', 'keys/k')).status, 404)
    await ok('POST', 'keys/k/import', { ciphertext: blob, auto_rotate_period: '2h', allow_rotation: true })
    assert.equal((await ok('GET', 'keys/k')).body.data.auto_rotate_period, 7200)
  })

  it('TestTransit_Import (allow_rotation): an imported key rotates only when allowed', async () => {
    await fresh()
    await ok('POST', 'keys/yes/import', {
      ciphertext: await wrapForImport(crypto.randomBytes(32)),
      allow_rotation: true,
    })
    assert.equal((await ok('POST', 'keys/yes/rotate')).body.data.latest_version, 2)
    await ok('POST', 'keys/no/import', {
      ciphertext: await wrapForImport(crypto.randomBytes(32)),
      allow_rotation: false,
    })
    assert.equal((await call('POST', 'keys/no/rotate')).status, 400)
    assert.equal((await ok('GET', 'keys/no')).body.data.latest_version, 1)
  })

  it('TestTransit_ImportNSSEd25519Key and TestTransit_ImportRSAPSS: NSS-style Ed25519 and RSA-PSS PKCS#8 keys import', async () => {
    await fresh()
    const nss =
      'MGcCAQAwFAYHKoZIzj0CAQYJKwYBBAHaRw8BBEwwSgIBAQQgfJm5R+LK4FMwGzOpemTBXksimEVOVCE8QeC+XBBfNU+hIwMhADaif7IhYx46IHcRTy1z8LeyhABep+UB8Da6olMZGx0i'
    await ok('POST', 'keys/nss-ed25519/import', {
      ciphertext: await wrapForImport(Buffer.from(nss, 'base64')),
      type: 'ed25519',
    })
    // As in Vault, the key is the one of the blob's 32-byte RFC 8032 seed (the public key NSS appends plays no part).
    const seed = Buffer.from(nss, 'base64').subarray(36, 68)
    const fromSeed = crypto.createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
      format: 'der',
      type: 'pkcs8',
    })
    const spki = crypto.createPublicKey(fromSeed).export({ type: 'spki', format: 'der' })
    const pub = (await ok('GET', 'keys/nss-ed25519')).body.data.keys['1'].public_key
    assert.equal(pub, spki.subarray(spki.length - 32).toString('base64'))
    const pss = crypto.generateKeyPairSync('rsa-pss', { modulusLength: 2048 })
    await ok('POST', 'keys/rsa-pss/import', {
      ciphertext: await wrapForImport(pkcs8(pss.privateKey)),
      type: 'rsa-2048',
    })
    // The same modulus and exponent, now an ordinary RSA key that signs and verifies with PKCS#1 v1.5 too.
    const imported = crypto.createPublicKey((await ok('GET', 'keys/rsa-pss')).body.data.keys['1'].public_key)
    const rsaPublicKey = imported.export({ type: 'pkcs1', format: 'der' })
    const pssSpki = pss.publicKey.export({ type: 'spki', format: 'der' })
    assert.ok(pssSpki.subarray(pssSpki.length - rsaPublicKey.length).equals(rsaPublicKey))
    const sig = (await ok('POST', 'sign/rsa-pss', { input: fox, signature_algorithm: 'pkcs1v15' })).body.data
      .signature
    assert.ok(
      crypto.verify('sha256', Buffer.from(fox, 'base64'), imported, Buffer.from(sig.split(':')[2], 'base64')),
    )
    await refused(
      'POST',
      'keys/wrong/import',
      { ciphertext: await wrapForImport(Buffer.from(nss, 'base64')), type: 'ecdsa-p256' },
      'error importing key: the imported key does not match the key type ecdsa-p256',
    )
  })

  it('TestTransit_ImportVersion: only into an existing imported key of the same type', async () => {
    await fresh()
    const blob = await wrapForImport(crypto.randomBytes(32))
    await refused(
      'POST',
      'keys/missing/import_version',
      { ciphertext: blob },
      'no key found with name missing; to import a new key, use the import/ endpoint',
    )
    await ok('POST', 'keys/generated')
    await refused(
      'POST',
      'keys/generated/import_version',
      { ciphertext: blob },
      'the import_version endpoint can only be used with an imported key',
    )
    await ok('POST', 'keys/rsa/import', {
      ciphertext: await wrapForImport(
        pkcs8(crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
      ),
      type: 'rsa-2048',
    })
    const res = await call('POST', 'keys/rsa/import_version', { ciphertext: blob })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal((await ok('GET', 'keys/rsa')).body.data.latest_version, 1)
    await ok('POST', 'keys/aes/import', { ciphertext: blob })
    for (const v of [2, 3]) {
      await ok('POST', 'keys/aes/import_version', { ciphertext: await wrapForImport(crypto.randomBytes(32)) })
      assert.equal((await ok('GET', 'keys/aes')).body.data.latest_version, v)
    }
  })

  it('TestTransit_WrappingKey: a 4096-bit RSA public key, the same on every read', async () => {
    await fresh()
    const first = (await ok('GET', 'wrapping_key')).body.data.public_key
    assert.equal(crypto.createPublicKey(first).asymmetricKeyDetails?.modulusLength, 4096)
    assert.equal((await ok('GET', 'wrapping_key')).body.data.public_key, first)
  })

  it('TestTransit_CacheConfig: 0 to begin with, then what was written; a size under 10 is refused', async () => {
    await fresh()
    let res = await ok('GET', 'cache-config')
    assert.equal(res.body.data.size, 0)
    assert.equal(res.body.warnings, null)
    await ok('POST', 'cache-config', { size: 12345 })
    res = await ok('GET', 'cache-config')
    assert.equal(res.body.data.size, 12345)
    await refused('POST', 'cache-config', { size: 5 }, 'size must be 0 or a value greater or equal to 10')
  })

  it('pathSignWrite / pathVerifyWrite (RSA PKCS#1 v1.5): every hash, in the body, the path or the old field; Node verifies them', async () => {
    await fresh()
    await ok('POST', 'keys/rsa', { type: 'rsa-2048' })
    const pem = (await ok('GET', 'keys/rsa')).body.data.keys['1'].public_key
    const data = Buffer.from(fox, 'base64')
    const hashes: [string, string][] = [
      ['sha1', 'sha1'],
      ['sha2-224', 'sha224'],
      ['sha2-256', 'sha256'],
      ['sha2-384', 'sha384'],
      ['sha2-512', 'sha512'],
      ['sha3-224', 'sha3-224'],
      ['sha3-256', 'sha3-256'],
      ['sha3-384', 'sha3-384'],
      ['sha3-512', 'sha3-512'],
    ]
    for (const [vault, node] of hashes) {
      for (const [path, body] of [
        ['sign/rsa', { hash_algorithm: vault }],
        [`sign/rsa/${vault}`, {}],
        ['sign/rsa', { algorithm: vault }],
      ] as const) {
        const sig = (await ok('POST', path, { input: fox, signature_algorithm: 'pkcs1v15', ...body })).body
          .data.signature
        const raw = Buffer.from(sig.split(':')[2], 'base64')
        assert.ok(
          crypto.verify(node, data, { key: pem, padding: crypto.constants.RSA_PKCS1_PADDING }, raw),
          `${path} ${vault}`,
        )
        const verified = await ok('POST', path.replace('sign', 'verify'), {
          input: fox,
          signature: sig,
          signature_algorithm: 'pkcs1v15',
          ...body,
        })
        assert.equal(verified.body.data.valid, true)
      }
      // A PSS signature does not verify as PKCS#1 v1.5.
      const pss = (await ok('POST', 'sign/rsa', { input: fox, hash_algorithm: vault })).body.data.signature
      const asPkcs1 = await ok('POST', 'verify/rsa', {
        input: fox,
        signature: pss,
        hash_algorithm: vault,
        signature_algorithm: 'pkcs1v15',
      })
      assert.equal(asPkcs1.body.data.valid, false)
    }
    await refused('POST', 'sign/rsa/md5', { input: fox }, 'invalid hash algorithm "md5"')
    await refused(
      'POST',
      'verify/rsa',
      { input: fox, signature: 'vault:v1:AAAA', hash_algorithm: 'sha2-1024' },
      'invalid hash algorithm "sha2-1024"',
    )
    await refused(
      'POST',
      'sign/rsa',
      { input: fox, marshaling_algorithm: 'der' },
      'invalid marshaling type "der"',
    )
  })

  it('pathSignWrite / pathVerifyWrite (marshaling_algorithm): ECDSA jws is r|s in base64url; hash_algorithm=none needs RSA PKCS#1 v1.5 even for Ed25519', async () => {
    await fresh()
    await ok('POST', 'keys/ec', { type: 'ecdsa-p384' })
    const pem = (await ok('GET', 'keys/ec')).body.data.keys['1'].public_key
    const sig = (
      await ok('POST', 'sign/ec', { input: fox, marshaling_algorithm: 'jws', hash_algorithm: 'sha2-384' })
    ).body.data.signature
    const raw = sig.split(':')[2]
    assert.match(raw, /^[A-Za-z0-9_-]+$/)
    assert.equal(Buffer.from(raw, 'base64url').length, 96)
    assert.ok(
      crypto.verify(
        'sha384',
        Buffer.from(fox, 'base64'),
        { key: pem, dsaEncoding: 'ieee-p1363' },
        Buffer.from(raw, 'base64url'),
      ),
    )
    const jws = { input: fox, signature: sig, marshaling_algorithm: 'jws', hash_algorithm: 'sha2-384' }
    assert.equal((await ok('POST', 'verify/ec', jws)).body.data.valid, true)
    await ok('POST', 'keys/ed', { type: 'ed25519' })
    await refused(
      'POST',
      'sign/ed',
      { input: fox, hash_algorithm: 'none' },
      'hash_algorithm=none requires both prehashed=true and signature_algorithm=pkcs1v15',
    )
  })

  it('pathSignWrite / pathVerifyWrite (batch_input): per-item results and errors with their references, answered 200 as Vault does', async () => {
    await fresh()
    await ok('POST', 'keys/ed', { type: 'ed25519' })
    const signed = await call('POST', 'sign/ed', {
      batch_input: [
        { input: fox, reference: 'a' },
        { input: '%%%', reference: 'b' },
        { reference: 'c' },
        { input: '', reference: 'd' },
      ],
    })
    assert.equal(signed.status, 200, JSON.stringify(signed.body))
    const [a, b, c, d] = signed.body.data.batch_results
    assert.match(a.signature, /^vault:v1:/)
    assert.equal(a.reference, 'a')
    assert.match(b.error, /^unable to decode input as base64/)
    assert.equal(b.reference, 'b')
    assert.deepEqual(c, { error: 'missing input', reference: 'c' })
    assert.match(d.signature, /^vault:v1:/)
    const verified = await call('POST', 'verify/ed', {
      batch_input: [
        { input: fox, signature: a.signature, reference: 'ok' },
        { input: fox, signature: d.signature, reference: 'wrong' },
        { input: fox, signature: 'v1:abc', reference: 'bad' },
      ],
    })
    assert.equal(verified.status, 200, JSON.stringify(verified.body))
    assert.deepEqual(
      verified.body.data.batch_results.map((r: Record<string, unknown>) => [r.reference, r.valid ?? r.error]),
      [
        ['ok', true],
        ['wrong', false],
        ['bad', 'invalid signature: no prefix'],
      ],
    )
    // Vault has no partial_failure_response_code for sign, verify and hmac: it is ignored.
    const ignored = await call('POST', 'sign/ed', {
      batch_input: [{ input: fox }, {}],
      partial_failure_response_code: 202,
    })
    assert.equal(ignored.status, 200, JSON.stringify(ignored.body))
    // A verify item without input fails alone, for signatures and HMACs alike; a single request verifies "".
    const noInput = await call('POST', 'verify/ed', {
      batch_input: [{ signature: d.signature, reference: 'n' }],
    })
    assert.deepEqual(noInput.body.data.batch_results, [{ error: 'missing input', reference: 'n' }])
    assert.equal((await ok('POST', 'verify/ed', { signature: d.signature })).body.data.valid, true)
    const emptyMac = (await ok('POST', 'hmac/ed', { input: '' })).body.data.hmac
    const macNoInput = await call('POST', 'verify/ed', { batch_input: [{ hmac: emptyMac }] })
    assert.equal(macNoInput.body.data.batch_results[0].error, 'missing input')
    assert.equal((await ok('POST', 'verify/ed', { hmac: emptyMac })).body.data.valid, true)
    const hmacs = await call('POST', 'hmac/ed', { batch_input: [{ input: fox }, { reference: 'x' }] })
    assert.equal(hmacs.status, 200, JSON.stringify(hmacs.body))
    assert.equal(hmacs.body.data.batch_results[1].error, 'missing input for HMAC')
    for (const [batch_input, message] of [
      [
        [
          { input: fox, signature: a.signature },
          { input: fox, hmac: 'vault:v1:AAAA' },
        ],
        "elements of batch_input must all provide 'signature' or all provide 'hmac'",
      ],
      [
        [{ input: fox, signature: a.signature }, { input: fox }],
        "some elements of batch_input are missing 'signature'",
      ],
      [
        [{ input: fox, hmac: 'vault:v1:AAAA' }, { input: fox }],
        "some elements of batch_input are missing 'hmac'",
      ],
      [[{ input: fox }], "no batch_input elements have 'signature' or 'hmac'"],
    ] as const)
      await refused('POST', 'verify/ed', { batch_input }, message)
    await refused('POST', 'sign/ed', { batch_input: [] }, 'missing batch input to process')
  })

  it('TestTransit_Export_CorrectFormat (default format): base64 raw keys, PKCS#1 RSA and SEC 1 EC PEM, PKIX public keys', async () => {
    await fresh()
    const single = async (path: string) => {
      const keys = Object.values((await ok('GET', path)).body.data.keys) as string[]
      assert.equal(keys.length, 1, path)
      return keys[0] as string
    }
    const raw = (text: string, bytes: number) => assert.equal(Buffer.from(text, 'base64').length, bytes)
    const cases: [string, number][] = [
      ['aes128-gcm96', 16],
      ['aes256-gcm96', 32],
      ['chacha20-poly1305', 32],
    ]
    for (const [type, bytes] of cases) {
      await ok('POST', `keys/${type}`, { type, exportable: true })
      raw(await single(`export/encryption-key/${type}`), bytes)
      raw(await single(`export/hmac-key/${type}`), 32)
    }
    await ok('POST', 'keys/hmac', { type: 'hmac', key_size: 48, exportable: true })
    raw(await single('export/hmac-key/hmac'), 48)
    await ok('POST', 'keys/ed', { type: 'ed25519', exportable: true })
    raw(await single('export/signing-key/ed'), 64)
    raw(await single('export/public-key/ed'), 32)
    for (const type of ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'rsa-2048']) {
      await ok('POST', `keys/${type}`, { type, exportable: true })
      const kinds = type.startsWith('rsa') ? ['signing-key', 'encryption-key'] : ['signing-key']
      for (const kind of kinds) {
        const pem = await single(`export/${kind}/${type}`)
        const label = type.startsWith('rsa') ? 'RSA PRIVATE KEY' : 'EC PRIVATE KEY'
        assert.match(pem, new RegExp(`^-----BEGIN ${label}-----\n[^-]+-----END ${label}-----\n?$`))
        const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64')
        const key = crypto.createPrivateKey({
          key: der,
          format: 'der',
          type: type.startsWith('rsa') ? 'pkcs1' : 'sec1',
        })
        assert.equal(key.asymmetricKeyType, type.startsWith('rsa') ? 'rsa' : 'ec')
      }
      const pub = await single(`export/public-key/${type}`)
      assert.match(pub, /^-----BEGIN PUBLIC KEY-----\n/)
      assert.ok(crypto.createPublicKey(pub))
      raw(await single(`export/hmac-key/${type}`), 32)
    }
  })

  it("pathRewrapWrite: missing or foreign ciphertexts, unknown keys and versions are refused with Vault's messages", async () => {
    await fresh()
    await ok('POST', 'keys/k')
    const v1 = (await ok('POST', 'encrypt/k', { plaintext: fox })).body.data.ciphertext
    await refused('POST', 'rewrap/k', {}, 'missing ciphertext to decrypt')
    await refused('POST', 'rewrap/missing', { ciphertext: v1 }, 'encryption key not found')
    await refused(
      'POST',
      'rewrap/k',
      { ciphertext: v1, key_version: 2 },
      'requested version for encryption is higher than the latest key version',
    )
    await ok('POST', 'keys/k/rotate')
    let res = await ok('POST', 'rewrap/k', { ciphertext: v1, key_version: 1 })
    assert.match(res.body.data.ciphertext, /^vault:v1:/)
    assert.notEqual(res.body.data.ciphertext, v1)
    res = await ok('POST', 'rewrap/k', { ciphertext: v1 })
    assert.equal(res.body.data.key_version, 2)
    await ok('POST', 'keys/other')
    const foreign = (await ok('POST', 'encrypt/other', { plaintext: fox })).body.data.ciphertext
    await refused('POST', 'rewrap/k', { ciphertext: foreign }, 'cipher: message authentication failed')
    res = await call('POST', 'rewrap/k', {
      batch_input: [
        { ciphertext: v1, reference: 'a' },
        { ciphertext: '', reference: 'b' },
        { ciphertext: foreign, reference: 'c' },
      ],
    })
    // Vault has partial_failure_response_code for encrypt and decrypt only: a rewrap batch answers 200 whatever fails.
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const [a, b, c] = res.body.data.batch_results
    assert.match(a.ciphertext, /^vault:v2:/)
    assert.deepEqual(b, { error: 'missing ciphertext to decrypt', reference: 'b' })
    assert.equal(c.error, 'cipher: message authentication failed')
  })

  it("TestTransit_batchHMAC and BatchEncryptionCase8 (base64): Go's decoder, newline-wrapped base64 accepted and Go's error offsets", async () => {
    await fresh()
    await ok('POST', 'keys/k')
    await ok('POST', 'keys/ed', { type: 'ed25519' })
    // base64(1) wraps its output every 76 characters; Go's decoder skips the newlines, as Vault does.
    const long = crypto.randomBytes(100)
    const wrapped = (long.toString('base64').match(/.{1,76}/g) as string[]).join('\n')
    const enc = await ok('POST', 'encrypt/k', { plaintext: wrapped })
    assert.equal(
      (await ok('POST', 'decrypt/k', { ciphertext: enc.body.data.ciphertext })).body.data.plaintext,
      long.toString('base64'),
    )
    const hmacWrapped = (await ok('POST', 'hmac/k', { input: wrapped })).body.data.hmac
    assert.equal((await ok('POST', 'hmac/k', { input: long.toString('base64') })).body.data.hmac, hmacWrapped)
    const sig = (await ok('POST', 'sign/ed', { input: `${wrapped}\r\n` })).body.data.signature
    assert.equal(
      (await ok('POST', 'verify/ed', { input: long.toString('base64'), signature: sig })).body.data.valid,
      true,
    )
    // Go's CorruptInputError offsets.
    const cases: [string, number][] = [
      [':;.?', 0],
      ['dGhl!', 4],
      ['abc', 0],
      ['abcde', 4],
      ['ab=c', 2],
      ['a===', 1],
      ['ab=', 3],
      ['abc=x', 4],
      ['ab\n=\n=x', 6],
    ]
    for (const [text, offset] of cases) {
      const detail = `illegal base64 data at input byte ${offset}`
      await refused('POST', 'encrypt/k', { plaintext: text }, detail)
      await refused('POST', 'encrypt/k', { plaintext: fox, context: text }, detail)
      await refused('POST', 'hmac/k', { input: text }, `unable to decode input as base64: ${detail}`)
      await refused('POST', 'sign/ed', { input: text }, `unable to decode input as base64: ${detail}`)
      await refused('POST', 'hash', { input: text }, `unable to decode input as base64: ${detail}`)
    }
    const batch = await call('POST', 'hmac/k', { batch_input: [{ input: ':;.?', reference: 'four' }] })
    assert.equal(
      batch.body.data.batch_results[0].error,
      'unable to decode input as base64: illegal base64 data at input byte 0',
    )
    await refused(
      'POST',
      'verify/k',
      { input: fox, hmac: 'vault:v1:ab=c' },
      'unable to decode verification HMAC as base64: illegal base64 data at input byte 2',
    )
  })

  it('pathDatakeyWrite and pathRotateWrite: derived keys need a context; signing keys make no data keys; missing keys refused', async () => {
    await fresh()
    await ok('POST', 'keys/derived', { derived: true })
    const context = 'dGVzdGNvbnRleHQ='
    await refused(
      'POST',
      'datakey/plaintext/derived',
      {},
      "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key",
    )
    const dk = (await ok('POST', 'datakey/plaintext/derived', { context })).body.data
    assert.equal(
      (await ok('POST', 'decrypt/derived', { ciphertext: dk.ciphertext, context })).body.data.plaintext,
      dk.plaintext,
    )
    await ok('POST', 'keys/ed', { type: 'ed25519' })
    await refused('POST', 'datakey/wrapped/ed', {}, 'message encryption not supported for key type ed25519')
    await ok('POST', 'keys/rsa', { type: 'rsa-2048' })
    const wrapped = (await ok('POST', 'datakey/plaintext/rsa', { bits: 512 })).body.data
    assert.equal(
      (await ok('POST', 'decrypt/rsa', { ciphertext: wrapped.ciphertext })).body.data.plaintext,
      wrapped.plaintext,
    )
    await refused('POST', 'keys/missing/rotate', {}, 'key not found')
    await refused(
      'DELETE',
      'keys/missing',
      undefined,
      'error deleting policy missing: could not delete key; not found',
    )
    await ok('POST', 'keys/h', { type: 'hmac', key_size: 64 })
    const rotated = (await ok('POST', 'keys/h/rotate')).body.data
    assert.equal(rotated.latest_version, 2)
    assert.equal(rotated.key_size, 64)
  })

  it('batchRequestResponse: a partial_failure_response_code outside 1-599 is ignored with a warning; one in range applies only to partial failures', async () => {
    await fresh()
    await ok('POST', 'keys/k')
    const batch_input = [{ plaintext: fox }, { plaintext: '%%%' }]
    for (const code of [0, 600, -1]) {
      const res = await call('POST', 'encrypt/k', { batch_input, partial_failure_response_code: code })
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.deepEqual(res.body.warnings, [
        'invalid HTTP response code override from partial_failure_response_code, reverting to 400',
      ])
    }
    assert.equal(
      (await call('POST', 'encrypt/k', { batch_input, partial_failure_response_code: 207 })).status,
      207,
    )
    const allBad = await call('POST', 'encrypt/k', {
      batch_input: [{ plaintext: '%%%' }],
      partial_failure_response_code: 207,
    })
    assert.equal(allBad.status, 400)
  })

  it('formatKeyPolicy: backup_info after a backup, restore_info after a restore, imported_key_allow_rotation on imported keys', async () => {
    await fresh()
    await ok('POST', 'keys/k', { exportable: true, allow_plaintext_backup: true })
    await ok('POST', 'keys/k/rotate')
    let key = (await ok('GET', 'keys/k')).body.data
    assert.equal(key.backup_info, undefined)
    assert.equal(key.restore_info, undefined)
    assert.equal(key.imported_key_allow_rotation, undefined)
    const before = Date.now()
    const backup = (await ok('GET', 'backup/k')).body.data.backup
    key = (await ok('GET', 'keys/k')).body.data
    assert.equal(key.backup_info.version, 2)
    assert.ok(Date.parse(key.backup_info.time) >= before - 1000)
    await ok('POST', 'keys/k/rotate')
    await ok('POST', 'restore/copy', { backup })
    const copy = (await ok('GET', 'keys/copy')).body.data
    assert.equal(copy.latest_version, 2)
    assert.equal(copy.restore_info.version, 2)
    assert.ok(Date.parse(copy.restore_info.time) >= before - 1000)
    assert.equal(copy.backup_info.version, 2)
    // A restore's own record is not taken from the blob.
    const blob = JSON.parse(Buffer.from(backup, 'base64').toString())
    blob.key.restore_info = { time: '2001-01-01T00:00:00Z', version: 1 }
    blob.key.backup_info = 'not an object'
    await ok('POST', 'restore/forged', { backup: Buffer.from(JSON.stringify(blob)).toString('base64') })
    const forged = (await ok('GET', 'keys/forged')).body.data
    assert.notEqual(forged.restore_info.time, '2001-01-01T00:00:00Z')
    assert.equal(forged.backup_info, undefined)
    for (const allow_rotation of [false, true]) {
      const name = `imported-${allow_rotation}`
      await ok('POST', `keys/${name}/import`, {
        ciphertext: await wrapForImport(crypto.randomBytes(32)),
        allow_rotation,
      })
      assert.equal((await ok('GET', `keys/${name}`)).body.data.imported_key_allow_rotation, allow_rotation)
    }
  })

  it('TestCreateDerivedKey (ed25519 use): a derived Ed25519 key signs only with a context, per context', async () => {
    await fresh()
    await ok('POST', 'keys/ed', { type: 'ed25519', derived: true })
    await refused(
      'POST',
      'sign/ed',
      { input: fox },
      "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key",
    )
    const [c1, c2] = ['Y29udGV4dDE=', 'Y29udGV4dDI=']
    const signed = (await ok('POST', 'sign/ed', { input: fox, context: c1 })).body.data
    assert.equal(Buffer.from(signed.public_key, 'base64').length, 32)
    assert.equal(
      (await ok('POST', 'verify/ed', { input: fox, signature: signed.signature, context: c1 })).body.data
        .valid,
      true,
    )
    assert.equal(
      (await ok('POST', 'verify/ed', { input: fox, signature: signed.signature, context: c2 })).body.data
        .valid,
      false,
    )
    await refused('POST', 'sign/ed', { input: fox, context: '%%%' }, 'failed to base64-decode context')
  })
})
