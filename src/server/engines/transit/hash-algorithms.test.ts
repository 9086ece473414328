// Hash algorithm names: only Vault's names are accepted, never a member every object inherits.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { digestName } from '../../../sdk/hash-algorithms.ts'
import { b64, failure, makeTransit } from './test-helpers.ts'

const INHERITED = ['__proto__', 'constructor', 'toString', 'hasOwnProperty']

describe('hash algorithm names', () => {
  it('maps Vault’s names and refuses the names of Object.prototype’s members', () => {
    assert.equal(digestName('sha2-256'), 'sha256')
    for (const name of INHERITED) assert.throws(() => digestName(name), /unsupported algorithm/, name)
  })

  it('answers such a name with a 400 on hmac, sign and hash, never a 500', async () => {
    const h = await makeTransit()
    await h.call('create', 'keys/aes', {})
    await h.call('create', 'keys/ec', { type: 'ecdsa-p256' })
    for (const name of INHERITED) {
      const requests: [string, Record<string, unknown>][] = [
        ['hmac/aes', { input: b64('x'), algorithm: name }],
        [`hmac/aes/${name}`, { input: b64('x') }],
        ['sign/ec', { input: b64('x'), hash_algorithm: name }],
        ['verify/ec', { input: b64('x'), hmac: 'vault:v1:AAAA', algorithm: name }],
        [`hash/${name}`, { input: b64('x') }],
      ]
      for (const [path, data] of requests)
        assert.equal((await failure(() => h.call('update', path, data))).status, 400, `${path} ${name}`)
    }
  })
})
