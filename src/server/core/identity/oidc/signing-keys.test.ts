// Named signing keys: key pairs per algorithm, what is published, rotation with its verification window, expiry.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLocalJWKSet, jwtVerify } from 'jose'
import {
  ALGORITHMS,
  allowsClient,
  defaultNamedKey,
  expireKeyRing,
  generateKeyMaterial,
  publicJwk,
  rotateKey,
  signClaims,
} from './signing-keys.ts'

const NOW = Date.UTC(2026, 0, 1)

for (const algorithm of ALGORITHMS) {
  test(`${algorithm}: a signed token verifies with the published public key, which holds no private part`, async () => {
    const key = { ...defaultNamedKey(NOW), algorithm }
    const { publish } = await generateKeyMaterial(key, NOW)
    assert.equal(publish.length, 2)
    for (const jwk of publish) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(member in jwk, false, member)
      assert.equal(jwk.alg, algorithm)
      assert.equal(jwk.use, 'sig')
    }
    const token = await signClaims(key, { sub: 'e-1', aud: 'client' })
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: publish }))
    assert.equal(payload.sub, 'e-1')
    assert.equal(protectedHeader.kid, key.signingKey!.kid)
    assert.equal(protectedHeader.alg, algorithm)
  })
}

test('rotation: the next key signs, the old one expires after the verification ttl, a new next key is published', async () => {
  const key = { ...defaultNamedKey(NOW), verificationTtl: 600 }
  await generateKeyMaterial(key, NOW)
  const first = key.signingKey!.kid
  const second = key.nextSigningKey!.kid
  const { publish } = await rotateKey(key, NOW + 1000)
  assert.equal(key.signingKey!.kid, second)
  assert.deepEqual(
    publish.map((j) => j.kid),
    [key.nextSigningKey!.kid],
  )
  assert.equal(key.keyRing.find((e) => e.keyId === first)!.expireAt, NOW + 1000 + 600_000)
  assert.equal(key.nextRotation, NOW + 1000 + 86_400_000)
  // Still within its window, then gone.
  assert.equal(expireKeyRing(key, NOW + 1000 + 600_000), false)
  assert.equal(expireKeyRing(key, NOW + 1000 + 600_001), true)
  assert.deepEqual(
    key.keyRing.map((e) => e.keyId),
    [second, key.nextSigningKey!.kid],
  )
})

test('rotate overrides the verification ttl; rotating a key without material (the default key) makes it', async () => {
  const key = defaultNamedKey(NOW)
  await rotateKey(key, NOW)
  assert.ok(key.signingKey && key.nextSigningKey)
  const old = key.signingKey.kid
  await rotateKey(key, NOW, 0)
  assert.equal(key.keyRing.find((e) => e.keyId === old)!.expireAt, NOW)
})

test('a change of algorithm keeps the old keys verifiable for the verification ttl', async () => {
  const key = defaultNamedKey(NOW)
  await generateKeyMaterial(key, NOW)
  const old = [key.signingKey!.kid, key.nextSigningKey!.kid]
  key.algorithm = 'ES256'
  await generateKeyMaterial(key, NOW)
  for (const kid of old) assert.equal(key.keyRing.find((e) => e.keyId === kid)!.expireAt, NOW + 86_400_000)
  assert.equal(key.signingKey!.alg, 'ES256')
})

test('allowed client ids: "*" allows all, otherwise the list', () => {
  assert.equal(allowsClient({ ...defaultNamedKey(NOW) }, 'x'), true)
  assert.equal(allowsClient({ ...defaultNamedKey(NOW), allowedClientIds: ['a'] }, 'a'), true)
  assert.equal(allowsClient({ ...defaultNamedKey(NOW), allowedClientIds: [] }, 'a'), false)
})

test('publicJwk drops every private member', () => {
  const jwk = publicJwk({
    kty: 'RSA',
    n: 'n',
    e: 'e',
    d: 'd',
    p: 'p',
    q: 'q',
    kid: 'k',
    alg: 'RS256',
    use: 'sig',
  })
  assert.deepEqual(jwk, { kty: 'RSA', n: 'n', e: 'e', kid: 'k', alg: 'RS256', use: 'sig' })
})
