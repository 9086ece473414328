// Tests for the batch token codec: round trip, and that each token has exactly one accepted spelling.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryStorage } from '../../physical/memory.ts'
import { BATCH_TOKEN_PREFIX, BatchTokenCodec, decodeCanonicalBase64url } from './batch-tokens.ts'

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5)
const FIELDS = {
  parentHash: '',
  policies: ['default', 'reader'],
  meta: { app: 'ci' },
  displayName: 'token',
  numUses: 0,
  creationTime: Math.floor(NOW / 1000),
  creationTtl: 600,
  expireTime: NOW + 600_000,
  maxExpireTime: 0,
  explicitMaxTtl: 0,
  period: 0,
  renewable: false,
  path: 'auth/token/create',
  role: '',
  entityId: '',
  lastRenewalTime: 0,
}
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

async function issued() {
  const codec = await BatchTokenCodec.load(new MemoryStorage())
  return { codec, ...codec.issue(FIELDS) }
}

describe('BatchTokenCodec', () => {
  it('opens the tokens it issues to the same entry', async () => {
    const { codec, token, entry } = await issued()
    assert.ok(token.startsWith(BATCH_TOKEN_PREFIX))
    assert.deepEqual(codec.open(token), entry)
    assert.equal(entry.type, 'batch')
    assert.equal(entry.accessor, '')
  })

  it('refuses a token changed in any single character, at every position', async () => {
    const { codec, token } = await issued()
    const accepted: string[] = []
    for (let i = 0; i < token.length; i++) {
      for (const c of `${BASE64URL}.=`) {
        if (c === token[i]) continue
        const altered = token.slice(0, i) + c + token.slice(i + 1)
        if (codec.open(altered) !== undefined) accepted.push(`position ${i} -> ${c}`)
      }
    }
    assert.deepEqual(accepted, [])
  })

  it('refuses the header (term) bytes changed and re-encoded canonically', async () => {
    const { codec, token } = await issued()
    const bytes = Buffer.from(token.slice(BATCH_TOKEN_PREFIX.length), 'base64url')
    for (let i = 0; i < 4; i++) {
      const altered = Buffer.from(bytes)
      altered[i] = (altered[i] ?? 0) ^ 0x01
      assert.equal(
        codec.open(BATCH_TOKEN_PREFIX + altered.toString('base64url')),
        undefined,
        `term byte ${i}`,
      )
    }
  })

  it('refuses padding, whitespace and characters the base64url decoder would skip', async () => {
    const { codec, token } = await issued()
    for (const altered of [`${token}=`, `${token}==`, `${token} `, `${token}\n`, `${token}*`, `${token}A`]) {
      assert.equal(codec.open(altered), undefined, JSON.stringify(altered.slice(-3)))
    }
    const mid = BATCH_TOKEN_PREFIX.length + 10
    assert.equal(codec.open(`${token.slice(0, mid)}!${token.slice(mid)}`), undefined)
  })

  it('does not open a token sealed under another store’s key', async () => {
    const { token } = await issued()
    const other = await BatchTokenCodec.load(new MemoryStorage())
    assert.equal(other.open(token), undefined)
  })
})

describe('decodeCanonicalBase64url', () => {
  it('accepts only the one spelling that re-encodes to itself', () => {
    assert.deepEqual(decodeCanonicalBase64url('AQI'), Buffer.from([1, 2]))
    assert.deepEqual(decodeCanonicalBase64url(''), Buffer.alloc(0))
    // "AQJ" differs from "AQI" only in the unused low bits of its last character.
    for (const bad of ['AQJ', 'AQI=', 'AQ I', 'A', 'AQI+', 'AQI/', 'AQ\nI']) {
      assert.equal(decodeCanonicalBase64url(bad), undefined, JSON.stringify(bad))
    }
  })
})
