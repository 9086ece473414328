// Line sinks: the writer thread's lines, sent by reference to long parts, are the lines the request thread makes.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, it } from 'node:test'
import { verifyAuditLog } from '../../lib/audit-chain/verify.ts'
import { AuditChain, generateSigningKey } from './chain.ts'
import { createChainedFileDevice } from './devices/chained-file-device.ts'
import { LineBatch } from './devices/device.ts'
import { ChainingSink } from './line-sink.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-line-sink-'))
after(() => rmSync(root, { recursive: true, force: true }))
const { privateKey, publicKeyPem } = generateSigningKey()

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
    const parts = [`{"type":"request","i":${i},"auth":`, long(n), '', `,"short":"${i}"`]
    sink.appendParts(parts)
    expected.appendOpen(parts.join(''), batch)
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
