// scrypt password hashes: round trip, per-user salt, stored parameters honoured, wrong password refused.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { hashPassword, SCRYPT_PARAMS, verifyPassword } from './password-hash.ts'

describe('password hash', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse')
    assert.equal(stored.algorithm, 'scrypt')
    assert.equal(stored.n, SCRYPT_PARAMS.n)
    assert.equal(await verifyPassword('correct horse', stored), true)
    assert.equal(await verifyPassword('correct horsf', stored), false)
    assert.equal(await verifyPassword('', stored), false)
  })

  it('salts each hash, so one password never gives the same stored hash twice', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')])
    assert.notEqual(a.salt, b.salt)
    assert.notEqual(a.hash, b.hash)
    assert.ok(!JSON.stringify(a).includes('same'))
  })

  it('verifies with the parameters stored beside the hash, not the current defaults', async () => {
    const stored = await hashPassword('pw')
    const cheaper = { ...stored, n: 1024, r: 8, p: 1 }
    assert.equal(await verifyPassword('pw', cheaper), false, 'other parameters give another hash')
  })
})
