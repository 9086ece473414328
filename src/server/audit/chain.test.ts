// AuditChain: line format, hash linkage, signed checkpoints, resuming from saved state.
import assert from 'node:assert/strict'
import { createHash, createPublicKey, verify } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { verifyAuditLog } from '../../lib/audit-chain/verify.ts'
import {
  AuditChain,
  GENESIS_HASH,
  generateSigningKey,
  isSignedCheckpoint,
  resumeChainState,
} from './chain.ts'
import { encodeEachLine, encodeLines, LineBatch } from './devices/device.ts'
import { encodedText, type LinePart, partText } from './line-part.ts'

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

it('starts at seq 0 with a zero prev_hash and appends seq and prev_hash last', () => {
  const chain = new AuditChain()
  assert.deepEqual(chain.state, { seq: 0, prevHash: '0'.repeat(64) })
  const first = chain.append({ time: 't1', type: 'request' })
  assert.equal(first, `{"time":"t1","type":"request","seq":1,"prev_hash":"${GENESIS_HASH}"}`)
  assert.deepEqual(chain.state, { seq: 1, prevHash: sha(first) })
  const second = chain.append({ time: 't2', type: 'response', note: 'é' })
  assert.equal(second, `{"time":"t2","type":"response","note":"é","seq":2,"prev_hash":"${sha(first)}"}`)
  assert.equal(chain.state.prevHash, sha(second))
  assert.equal(chain.append({}), `{"seq":3,"prev_hash":"${sha(second)}"}`)
})

it('refuses entries that would shadow the chain fields or are not objects', () => {
  const chain = new AuditChain()
  assert.throws(() => chain.append({ seq: 5 }), /seq or prev_hash/)
  assert.throws(() => chain.append([1, 2]), /JSON object/)
  assert.deepEqual(chain.state.seq, 0)
})

it('writes a chained checkpoint whose Ed25519 signature covers seq|prev_hash|time', () => {
  const { privateKey, publicKeyPem } = generateSigningKey()
  const chain = new AuditChain()
  const entry = chain.append({ type: 'request' })
  const line = chain.checkpoint(privateKey, '2024-05-01T00:00:00Z')
  const record = JSON.parse(line)
  assert.deepEqual(Object.keys(record), ['type', 'seq', 'prev_hash', 'time', 'signature'])
  assert.equal(record.type, 'checkpoint')
  assert.equal(record.seq, 2)
  assert.equal(record.prev_hash, sha(entry))
  const signed = Buffer.from(`2|${sha(entry)}|2024-05-01T00:00:00Z`)
  assert.equal(
    verify(null, signed, createPublicKey(publicKeyPem), Buffer.from(record.signature, 'base64')),
    true,
  )
  assert.deepEqual(chain.state, { seq: 2, prevHash: sha(line) })
})

it('resumes from a saved state so a restarted writer continues the same chain', () => {
  const { privateKey, publicKeyPem } = generateSigningKey()
  const first = new AuditChain()
  const lines = [first.append({ n: 1 }), first.append({ n: 2 })]
  const resumed = new AuditChain(first.state)
  lines.push(resumed.append({ n: 3 }), resumed.checkpoint(privateKey, 't'))
  const result = verifyAuditLog(`${lines.join('\n')}\n`, publicKeyPem)
  assert.equal(result.ok, true)
  assert.deepEqual([result.entries, result.checkpoints, result.lastCheckpointSeq], [3, 1, 4])
  assert.throws(() => new AuditChain({ seq: -1, prevHash: GENESIS_HASH }), /seq/)
  assert.throws(() => new AuditChain({ seq: 0, prevHash: 'xyz' }), /prevHash/)
})

it('resumes after a last line longer than any read window, hashing it whole', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-chain-'))
  const path = join(dir, 'audit.log')
  const chain = new AuditChain()
  const lines = [chain.append({ n: 1 }), chain.append({ big: 'x'.repeat(3 * 1024 * 1024 + 17), n: 2 })]
  writeFileSync(path, `${lines.join('\n')}\n`)
  assert.deepEqual(resumeChainState(path), chain.state)
  // A torn tail (no newline) after it is skipped, as a crash mid-write leaves it, and said to be there.
  writeFileSync(path, `${lines.join('\n')}\n{"time":"t","ty`)
  assert.deepEqual(resumeChainState(path), { ...chain.state, torn: true })
  // A short last line (a checkpoint) still resumes as before.
  const { privateKey } = generateSigningKey()
  const checkpoint = chain.checkpoint(privateKey, 't')
  writeFileSync(path, `${[...lines, checkpoint].join('\n')}\n`)
  assert.deepEqual(resumeChainState(path), {
    ...chain.state,
    lastLine: checkpoint,
    previousLineHash: sha(lines[1]!),
  })
  rmSync(dir, { recursive: true, force: true })
})

it('chains lines encoded into a LineBatch with the same text and hashes, the bytes identical to encodeLines', () => {
  const { privateKey, publicKeyPem } = generateSigningKey()
  const plain = new AuditChain()
  const batched = new AuditChain()
  // A small batch, so it grows while lines are pushed (views handed out earlier were already hashed).
  const batch = new LineBatch(8)
  const texts: string[] = []
  const entries = [
    { type: 'request', note: 'ascii' },
    { type: 'response', note: 'é ü 中文 𝄞 emoji 🔑', quote: '"\\\n' },
    { type: 'request', lone: '\ud800 half a pair' },
    { type: 'response', big: 'x'.repeat(5000) },
  ]
  for (const entry of entries) {
    const json = JSON.stringify(entry)
    const line = batched.appendJson(json, batch)
    assert.equal(line, plain.appendJson(json))
    assert.deepEqual(batched.state, plain.state)
    texts.push(line)
  }
  texts.push(batched.checkpoint(privateKey, 't', batch))
  assert.equal(texts.at(-1), plain.checkpoint(privateKey, 't'))
  assert.equal(batched.state.seq, plain.state.seq)
  assert.equal(batched.state.prevHash, sha(texts.at(-1)!))
  const { payload, ends } = batch.encoded()
  assert.deepEqual(payload, encodeLines(texts))
  assert.equal(ends.length, texts.length)
  assert.deepEqual(
    encodeEachLine(batch.encoded()).map((line) => line.toString('utf8')),
    texts.map((text) => `${text}\n`),
  )
  const result = verifyAuditLog(payload.toString('utf8'), publicKeyPem)
  assert.equal(result.ok, true)
  assert.equal(result.checkpoints, 1)
})

it('appendOpen (the text without its closing brace) gives the line and state appendJson gives', () => {
  const viaJson = new AuditChain()
  const viaOpen = new AuditChain()
  const batch = new LineBatch(8)
  for (const entry of [{ type: 'request' }, { type: 'response', note: 'é 🔑', n: 1 }]) {
    const json = JSON.stringify(entry)
    assert.equal(viaOpen.appendOpen(json.slice(0, -1), batch), viaJson.appendJson(json))
    assert.deepEqual(viaOpen.state, viaJson.state)
  }
  assert.equal(
    verifyAuditLog(batch.encoded().payload.toString('utf8'), generateSigningKey().publicKeyPem).ok,
    true,
  )
})

it('appendOpenParts writes the bytes and chains the hash appendOpen gives for the parts joined, multi-byte text too', () => {
  const viaText = new AuditChain()
  const viaParts = new AuditChain()
  const textBatch = new LineBatch(8)
  const partsBatch = new LineBatch(8)
  // Remembered sections (encoded once) and plain text parts, each with multi-byte characters, a surrogate pair
  // and escapes; an empty text part, as openEntryParts leaves when a request section is not remembered.
  const auth = encodedText(JSON.stringify({ display_name: 'tøken 日本', policies: ['p'] }))
  const response = encodedText(JSON.stringify({ data: { note: 'naïve ✓ 🔑', quote: '"\\\n' } }))
  const lines: LinePart[][] = [
    ['{"time":"t","type":"request","auth":', auth, ',"request":{"id":"r1"', ',"path":"secret/data/café/🔑"}'],
    [
      '{"time":"t","type":"response","auth":',
      auth,
      ',"request":',
      '{"id":"r2"}',
      '',
      ',"response":',
      response,
    ],
    ['{"type":"request","big":"', 'x'.repeat(5000), '"'],
  ]
  for (const parts of lines) {
    viaText.appendOpen(parts.map(partText).join(''), textBatch)
    viaParts.appendOpenParts(parts, partsBatch)
    assert.deepEqual(viaParts.state, viaText.state)
  }
  assert.ok(partsBatch.encoded().payload.equals(textBatch.encoded().payload))
  assert.deepEqual(partsBatch.encoded().ends, textBatch.encoded().ends)
  const text = partsBatch.encoded().payload.toString('utf8')
  assert.match(text, /"path":"secret\/data\/café\/🔑"/)
  assert.equal(verifyAuditLog(text, generateSigningKey().publicKeyPem).ok, true)
})

it('recognises a last line that is a checkpoint signed by the given key, resumed or not', () => {
  const chain = new AuditChain()
  const entry = chain.append({ n: 1 })
  const { privateKey } = generateSigningKey()
  const other = generateSigningKey().privateKey
  const checkpoint = chain.checkpoint(privateKey, 't')
  const resumed = chain.checkpoint(privateKey, 't', undefined, true)
  const publicKey = createPublicKey(privateKey)
  assert.equal(isSignedCheckpoint(checkpoint, publicKey), true)
  assert.equal(isSignedCheckpoint(resumed, publicKey), true)
  assert.equal(isSignedCheckpoint(checkpoint, createPublicKey(other)), false, 'another key')
  assert.equal(
    isSignedCheckpoint(resumed.replace('"resumed":true,', ''), publicKey),
    false,
    'the mark is signed',
  )
  assert.equal(isSignedCheckpoint(entry, publicKey), false, 'an entry')
  assert.equal(isSignedCheckpoint('{"type":"checkpoint"', publicKey), false, 'torn')
  assert.equal(isSignedCheckpoint(undefined, publicKey), false)
})
