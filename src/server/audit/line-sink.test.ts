// Line sinks: the writer thread's lines, sent by reference to long parts, are the lines the request thread makes;
// the request thread's own batches reuse memory only once it was written.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, it } from 'node:test'
import { verifyAuditLog } from '../../lib/audit-chain/verify.ts'
import { AuditChain, generateSigningKey } from './chain.ts'
import { createChainedFileDevice } from './devices/chained-file-device.ts'
import { type AuditDevice, type EncodedLines, LineBatch } from './devices/device.ts'
import { encodedText, type LinePart, partText } from './line-part.ts'
import { ChainingSink, InlineSink } from './line-sink.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-line-sink-'))
after(() => rmSync(root, { recursive: true, force: true }))
const { privateKey, publicKeyPem } = generateSigningKey()
const SHORT_NAME = encodedText(',"short":')

it('writes, through the writer thread, exactly the lines chained here, past a full table of long parts', async () => {
  const path = join(root, 'audit.log')
  const device = await createChainedFileDevice({ filePath: path, mode: 0o600, signingKey: privateKey })
  const sink = new ChainingSink(device, 0)
  const expected = new AuditChain()
  const batch = new LineBatch()
  const long = (n: number) => `{"n":${n},"text":"${'é'.repeat(150)} ${n}"}`
  const writes: Promise<void>[] = []
  // 600 long parts used twice (the second time by number, after the others were defined), then 1300 new ones,
  // more than the table holds, then the first ones again after it started over; short and empty parts between.
  for (let i = 0; i < 2600; i++) {
    const n = i < 1200 ? i % 600 : i < 2500 ? i - 600 : i - 2500
    // Remembered parts come with their bytes (the thread is sent their text), short ones in a row are joined.
    const parts: LinePart[] = [
      `{"type":"request","i":${i},"auth":`,
      i % 3 === 0 ? encodedText(long(n)) : long(n),
      '',
      SHORT_NAME,
      `"${i}"`,
    ]
    sink.appendParts(parts)
    expected.appendOpen(parts.map(partText).join(''), batch)
    if (i % 100 === 99) writes.push(sink.write())
  }
  sink.checkpoint(privateKey, '2024-05-01T00:00:00Z')
  expected.checkpoint(privateKey, '2024-05-01T00:00:00Z', batch)
  writes.push(sink.write())
  await Promise.all(writes)
  await device.close()
  assert.equal(sink.seq, 2601)
  const written = readFileSync(path)
  // The checkpoint's signature is deterministic (Ed25519), so the whole file matches byte for byte.
  assert.equal(written.length, batch.bytes)
  assert.ok(written.equals(batch.encoded().payload))
  assert.equal(verifyAuditLog(written.toString('utf8'), publicKeyPem).ok, true)
})

it("reuses a batch's memory for a later batch only once the device reported its bytes written", async () => {
  const written: EncodedLines[] = []
  let fail = false
  const device: AuditDevice = {
    type: 'file',
    write: (lines) => {
      written.push(lines as EncodedLines)
      return fail ? Promise.reject(new Error('disk full')) : Promise.resolve()
    },
    reopen: () => Promise.resolve(),
    close: () => Promise.resolve(),
  }
  const sink = new InlineSink(new AuditChain(), device)
  // The same memory: the same ArrayBuffer at the same offset (small buffers may share a pool's).
  const same = (i: number, j: number) =>
    written[i]!.payload.buffer === written[j]!.payload.buffer &&
    written[i]!.payload.byteOffset === written[j]!.payload.byteOffset
  const batch = async (text: string) => {
    sink.appendJson(text)
    await sink.write().catch(() => undefined)
  }
  // Written: the next batch goes into the same memory, and holds its own line.
  await batch('{"n":1}')
  await batch('{"n":2}')
  assert.ok(same(1, 0))
  assert.match(written[1]!.payload.toString('utf8'), /^\{"n":2,"seq":2,/)
  // Failed: the device may still be reading that memory, so the batch after it gets fresh memory.
  fail = true
  await batch('{"n":3}')
  assert.ok(same(2, 1))
  fail = false
  await batch('{"n":4}')
  assert.ok(!same(3, 2))
  // Not yet written: a batch appended meanwhile does not take the memory in use.
  sink.appendJson('{"n":5}')
  const pending = sink.write()
  await batch('{"n":6}')
  await pending
  assert.ok(same(4, 3))
  assert.ok(!same(5, 4))
})
