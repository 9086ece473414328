// The shared chain format on its own: a log built from lib pieces alone verifies, and a changed byte does not.
import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync, sign } from 'node:crypto'
import { it } from 'node:test'
import { CHECKPOINT_TYPE, checkpointSignedText, GENESIS_HASH, lineHash } from './format.ts'
import { verifyAuditLog } from './verify.ts'

it('hashes the exact line text and signs seq|prev_hash|time', () => {
  assert.equal(lineHash('{"a":"é"}'), createHash('sha256').update('{"a":"é"}', 'utf8').digest('hex'))
  assert.equal(checkpointSignedText(3, GENESIS_HASH, 't'), `3|${GENESIS_HASH}|t`)
  assert.equal(GENESIS_HASH, '0'.repeat(64))
})

it('verifies a chain written by hand from the format rules', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const lines: string[] = []
  let prev = GENESIS_HASH
  for (let seq = 1; seq <= 3; seq++) {
    lines.push(`{"type":"request","n":${seq},"seq":${seq},"prev_hash":"${prev}"}`)
    prev = lineHash(lines.at(-1)!)
  }
  const signature = sign(null, Buffer.from(checkpointSignedText(4, prev, 't')), privateKey).toString('base64')
  lines.push(JSON.stringify({ type: CHECKPOINT_TYPE, seq: 4, prev_hash: prev, time: 't', signature }))
  const ok = verifyAuditLog(`${lines.join('\n')}\n`, pem)
  assert.deepEqual([ok.ok, ok.entries, ok.checkpoints, ok.unsealedEntries], [true, 3, 1, 0])
  lines[1] = lines[1]!.replace('"n":2', '"n":9')
  const bad = verifyAuditLog(`${lines.join('\n')}\n`, pem)
  assert.deepEqual([bad.ok, bad.problems[0]?.kind, bad.problems[0]?.line], [false, 'altered', 2])
})
