// Known-answer tests for transit signatures and HMACs: RFC 8032 Ed25519, ECDSA (ASN.1 and JWS), RSA PSS/PKCS#1 v1.5, both ways.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { describe, it } from 'node:test'
import { ed25519FromSeed } from './signing.ts'
import { b64, dataOf, failure, makeTransit, plantKey, storedKey } from './test-helpers.ts'

// RFC 8032 section 7.1, test 1: the empty message.
const RFC_SEED = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')
const RFC_PUBLIC = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex')
const RFC_SIGNATURE =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'

function payload(value: unknown): Buffer {
  return Buffer.from(String(value).split(':')[2] ?? '', 'base64')
}

async function keyPem(
  h: Awaited<ReturnType<typeof makeTransit>>,
  name: string,
  version = '1',
): Promise<string> {
  return (await storedKey(h, name)).versions[version]?.private_key ?? ''
}

describe('transit signatures', () => {
  it('Ed25519: RFC 8032 vector 1 signs to the published signature and shows the published public key', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/ed', { type: 'ed25519' })
    const stored = await storedKey(h, 'ed')
    const entry = stored.versions['1']
    assert.ok(entry)
    entry.private_key = ed25519FromSeed(RFC_SEED).export({ format: 'pem', type: 'pkcs8' }).toString()
    await plantKey(h, stored)
    const signed = dataOf(await h.call('update', 'sign/ed', { input: '' }))
    assert.equal(signed['signature'], `vault:v1:${Buffer.from(RFC_SIGNATURE, 'hex').toString('base64')}`)
    assert.equal(signed['key_version'], 1)
    const keys = dataOf(await h.call('read', 'keys/ed'))['keys'] as Record<string, Record<string, string>>
    assert.equal(keys['1']?.['public_key'], RFC_PUBLIC.toString('base64'))
    assert.deepEqual(
      dataOf(await h.call('update', 'verify/ed', { input: '', signature: signed['signature'] })),
      {
        valid: true,
      },
    )
    assert.deepEqual(
      dataOf(await h.call('update', 'verify/ed', { input: b64('x'), signature: signed['signature'] })),
      {
        valid: false,
      },
    )
  })

  it('derived Ed25519 signs with the seed HKDF derives from Go’s 64-byte key and the context', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/ed', { type: 'ed25519', derived: true })
    const stored = await storedKey(h, 'ed')
    const entry = stored.versions['1']
    assert.ok(entry)
    entry.private_key = ed25519FromSeed(RFC_SEED).export({ format: 'pem', type: 'pkcs8' }).toString()
    await plantKey(h, stored)
    const context = Buffer.from('tenant')
    const seed = Buffer.from(
      crypto.hkdfSync('sha256', Buffer.concat([RFC_SEED, RFC_PUBLIC]), Buffer.alloc(0), context, 32),
    )
    const expected = crypto.sign(null, Buffer.from('msg'), ed25519FromSeed(seed))
    const signed = dataOf(await h.call('update', 'sign/ed', { input: b64('msg'), context: b64(context) }))
    assert.deepEqual(payload(signed['signature']), expected)
    assert.match(
      (await failure(() => h.call('update', 'sign/ed', { input: b64('msg') }))).message,
      /^missing 'context'/,
    )
  })

  for (const type of ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521']) {
    it(`${type}: ASN.1 and JWS signatures verify outside, and outside signatures verify inside`, async () => {
      const h = await makeTransit()
      await h.call('create', 'keys/ec', { type })
      const pem = await keyPem(h, 'ec')
      const message = Buffer.from('payload')
      for (const [hash, digest] of [
        ['sha2-256', 'sha256'],
        ['sha2-512', 'sha512'],
        ['sha3-256', 'sha3-256'],
      ] as const) {
        const der = dataOf(await h.call('update', `sign/ec/${hash}`, { input: b64(message) }))
        assert.ok(crypto.verify(digest, message, crypto.createPublicKey(pem), payload(der['signature'])))
        const jws = dataOf(
          await h.call('update', 'sign/ec', {
            input: b64(message),
            hash_algorithm: hash,
            marshaling_algorithm: 'jws',
          }),
        )
        const jwsBytes = Buffer.from(String(jws['signature']).split(':')[2] ?? '', 'base64url')
        assert.ok(
          crypto.verify(
            digest,
            message,
            { key: crypto.createPublicKey(pem), dsaEncoding: 'ieee-p1363' },
            jwsBytes,
          ),
        )
        const outside = crypto.sign(digest, message, pem).toString('base64')
        assert.deepEqual(
          dataOf(
            await h.call('update', `verify/ec/${hash}`, {
              input: b64(message),
              signature: `vault:v1:${outside}`,
            }),
          ),
          { valid: true },
        )
      }
      // prehashed: the signature of the digest is one of the message (prehashed.test.ts checks it further).
      const digest = crypto.createHash('sha256').update(message).digest()
      const prehashed = dataOf(await h.call('update', 'sign/ec', { input: b64(digest), prehashed: true }))
      assert.ok(
        crypto.verify('sha256', message, crypto.createPublicKey(pem), payload(prehashed['signature'])),
      )
    })
  }

  it('RSA: PKCS#1 v1.5 signatures match an outside signer exactly; PSS verifies both ways', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/rsa', { type: 'rsa-2048' })
    const pem = await keyPem(h, 'rsa')
    const message = Buffer.from('rsa payload')
    const pkcs1 = dataOf(
      await h.call('update', 'sign/rsa/sha2-384', { input: b64(message), signature_algorithm: 'pkcs1v15' }),
    )
    assert.deepEqual(payload(pkcs1['signature']), crypto.sign('sha384', message, pem))
    const pss = dataOf(await h.call('update', 'sign/rsa', { input: b64(message) }))
    assert.ok(
      crypto.verify(
        'sha256',
        message,
        {
          key: crypto.createPublicKey(pem),
          padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
          saltLength: crypto.constants.RSA_PSS_SALTLEN_AUTO,
        },
        payload(pss['signature']),
      ),
    )
    const outside = crypto.sign('sha256', message, {
      key: pem,
      padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    })
    assert.deepEqual(
      dataOf(
        await h.call('update', 'verify/rsa', {
          input: b64(message),
          signature: `vault:v1:${outside.toString('base64')}`,
        }),
      ),
      { valid: true },
    )
    assert.deepEqual(
      dataOf(
        await h.call('update', 'verify/rsa', {
          input: b64(message),
          signature: pss['signature'],
          signature_algorithm: 'pkcs1v15',
        }),
      ),
      { valid: false },
    )
  })

  it('signatures of rotated versions verify until min_decryption_version passes them', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/ec', { type: 'ecdsa-p256' })
    const v1 = dataOf(await h.call('update', 'sign/ec', { input: b64('m') }))['signature']
    await h.call('update', 'keys/ec/rotate')
    const v2 = dataOf(await h.call('update', 'sign/ec', { input: b64('m') }))
    assert.equal(v2['key_version'], 2)
    assert.deepEqual(dataOf(await h.call('update', 'verify/ec', { input: b64('m'), signature: v1 })), {
      valid: true,
    })
    await h.call('update', 'keys/ec/config', { min_decryption_version: 2 })
    assert.deepEqual(await failure(() => h.call('update', 'verify/ec', { input: b64('m'), signature: v1 })), {
      status: 400,
      message: 'ciphertext or signature version is disallowed by policy (too old)',
    })
    const bad: [Record<string, unknown>, string][] = [
      [{ input: b64('m') }, "neither a 'signature' nor an 'hmac' were given to verify"],
      [{ input: b64('m'), signature: 'x', hmac: 'y' }, "provide one of 'signature' or 'hmac'"],
      [{ input: b64('m'), signature: 'vault:v2:***' }, 'invalid base64 signature value'],
      [{ input: b64('m'), signature: 'v2:abc' }, 'invalid signature: no prefix'],
      [
        { input: '***', signature: v2['signature'] },
        'unable to decode input as base64: illegal base64 data at input byte 0',
      ],
      [
        { input: b64('m'), signature: v2['signature'], marshaling_algorithm: 'xml' },
        'invalid marshaling type "xml"',
      ],
    ]
    // Garbage of the right encoding is an invalid signature, not an error.
    for (const signature of ['vault:v2:AAAA', `vault:v2:${b64('x'.repeat(300))}`])
      assert.deepEqual(dataOf(await h.call('update', 'verify/ec', { input: b64('m'), signature })), {
        valid: false,
      })
    assert.deepEqual(await failure(() => h.call('update', 'sign/nope', { input: b64('m') })), {
      status: 400,
      message: 'signing key not found',
    })
    assert.deepEqual(
      await failure(() => h.call('update', 'verify/nope', { input: b64('m'), signature: 'x' })),
      {
        status: 400,
        message: 'signature verification key not found',
      },
    )
    for (const [data, message] of bad)
      assert.deepEqual(await failure(() => h.call('update', 'verify/ec', data)), { status: 400, message })
  })

  it('batch signing and verification report per item', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/ed', { type: 'ed25519' })
    const signed = dataOf(
      await h.call('update', 'sign/ed', {
        batch_input: [{ input: b64('a'), reference: 'a' }, { input: '!!' }],
      }),
    )['batch_results'] as Record<string, unknown>[]
    assert.match(String(signed[0]?.['signature']), /^vault:v1:/)
    assert.equal(
      signed[1]?.['error'],
      'unable to decode input as base64: illegal base64 data at input byte 0',
    )
    const verified = await h.call('update', 'verify/ed', {
      batch_input: [
        { input: b64('a'), signature: signed[0]?.['signature'] },
        { input: b64('b'), signature: signed[0]?.['signature'] },
      ],
    })
    assert.deepEqual(dataOf(verified)['batch_results'], [
      { valid: true, reference: '' },
      { valid: false, reference: '' },
    ])
  })
})

describe('transit HMAC, hash and random', () => {
  it('HMACs with the version’s HMAC key, verifies them, and refuses a tampered one', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/app')
    const hmacKey = Buffer.from((await storedKey(h, 'app')).versions['1']?.hmac_key ?? '', 'base64')
    const mac = dataOf(await h.call('update', 'hmac/app/sha2-512', { input: b64('data') }))['hmac']
    assert.equal(mac, `vault:v1:${crypto.createHmac('sha512', hmacKey).update('data').digest('base64')}`)
    assert.deepEqual(
      dataOf(await h.call('update', 'verify/app/sha2-512', { input: b64('data'), hmac: mac })),
      { valid: true },
    )
    assert.deepEqual(dataOf(await h.call('update', 'verify/app', { input: b64('data'), hmac: mac })), {
      valid: false,
    })
    const hmacType = await makeTransit()
    await hmacType.call('create', 'keys/mac', { type: 'hmac', key_size: 64 })
    const key = Buffer.from((await storedKey(hmacType, 'mac')).versions['1']?.key ?? '', 'base64')
    assert.equal(key.length, 64)
    assert.equal(
      dataOf(await hmacType.call('update', 'hmac/mac', { input: b64('d') }))['hmac'],
      `vault:v1:${crypto.createHmac('sha256', key).update('d').digest('base64')}`,
    )
  })

  it('verifies an HMAC by its bytes: a truncated one is invalid, one that is not base64 is a 400', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/app')
    const mac = String(dataOf(await h.call('update', 'hmac/app', { input: b64('data') }))['hmac'])
    const verify = (hmac: string) => h.call('update', 'verify/app', { input: b64('data'), hmac })
    // Vault reads the version as a number and compares the decoded bytes.
    assert.deepEqual(dataOf(await verify(mac.replace('vault:v1:', 'vault:v01:'))), { valid: true })
    const bytes = Buffer.from(mac.slice('vault:v1:'.length), 'base64')
    assert.deepEqual(dataOf(await verify(`vault:v1:${bytes.subarray(0, 16).toString('base64')}`)), {
      valid: false,
    })
    assert.deepEqual(dataOf(await verify('vault:v1:')), { valid: false })
    assert.deepEqual(await failure(() => verify('vault:v1:***')), {
      status: 400,
      message: 'unable to decode verification HMAC as base64: illegal base64 data at input byte 0',
    })
  })

  it('hash answers hex by default and base64 on request; random honours bytes, source and format', async () => {
    const h = await makeTransit()
    assert.deepEqual(dataOf(await h.call('update', 'hash', { input: b64('abc') })), {
      sum: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    })
    assert.deepEqual(
      dataOf(await h.call('update', 'hash/sha3-256', { input: b64('abc'), format: 'base64' })),
      {
        sum: crypto.createHash('sha3-256').update('abc').digest('base64'),
      },
    )
    assert.equal(
      Buffer.from(String(dataOf(await h.call('update', 'random', {}))['random_bytes']), 'base64').length,
      32,
    )
    assert.equal(
      String(dataOf(await h.call('update', 'random/16', { format: 'hex' }))['random_bytes']).length,
      32,
    )
    assert.equal(
      String(dataOf(await h.call('update', 'random/platform/8', { format: 'hex' }))['random_bytes']).length,
      16,
    )
    assert.equal(
      String(dataOf(await h.call('update', 'random/seal', { bytes: 4, format: 'hex' }))['random_bytes'])
        .length,
      8,
    )
    assert.equal((await failure(() => h.call('update', 'random/0'))).status, 400)
    assert.equal((await failure(() => h.call('update', 'random', { bytes: 200000 }))).status, 400)
    assert.equal((await failure(() => h.call('update', 'random', { format: 'b32' }))).status, 400)
  })
})
