// Keyring terms and their stored JSON form.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { activeTerm, addTerm, createKeyring, decodeKeyring, encodeKeyring, wipeKeyring } from './keyring.ts'

const key = (fill: number): Uint8Array => new Uint8Array(32).fill(fill)

describe('keyring', () => {
  it('starts at term 1 and adds terms one past the highest', () => {
    const first = createKeyring(key(1), 1000)
    assert.deepEqual(activeTerm(first), { term: 1, key: key(1), installTime: 1000 })
    const second = addTerm(first, key(2), 2000)
    assert.equal(second.activeTerm, 2)
    assert.equal(first.activeTerm, 1, 'the original keyring is not changed')
    assert.deepEqual([...second.terms.keys()], [1, 2])
    assert.deepEqual(activeTerm(second).key, key(2))
  })

  it('round-trips through its encoded form', () => {
    const ring = addTerm(createKeyring(key(7), 5), key(8), 6)
    const decoded = decodeKeyring(encodeKeyring(ring))
    assert.equal(decoded.activeTerm, 2)
    assert.deepEqual(decoded.terms.get(1), { term: 1, key: key(7), installTime: 5 })
    assert.deepEqual(decoded.terms.get(2), { term: 2, key: key(8), installTime: 6 })
  })

  it('rejects malformed keyrings without echoing key material', () => {
    const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
    const good = { term: 1, key: Buffer.from(key(3)).toString('base64'), installTime: 1 }
    assert.throws(() => decodeKeyring(new TextEncoder().encode('{')), /not valid JSON/)
    assert.throws(() => decodeKeyring(encode({ version: 9, activeTerm: 1, terms: [] })), /unknown layout/)
    assert.throws(
      () => decodeKeyring(encode({ version: 1, activeTerm: 2, terms: [good] })),
      /active term is missing/,
    )
    assert.throws(() => decodeKeyring(encode({ version: 1, activeTerm: 1, terms: [good, good] })), /twice/)
    const short = { ...good, key: 'AAAA' }
    assert.throws(
      () => decodeKeyring(encode({ version: 1, activeTerm: 1, terms: [short] })),
      (error: Error) => /wrong size/.test(error.message) && !error.message.includes('AAAA'),
    )
  })

  it('wipes keys in place', () => {
    const ring = createKeyring(key(9), 1)
    wipeKeyring(ring)
    assert.deepEqual(activeTerm(ring).key, key(0))
  })
})
