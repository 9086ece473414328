// The broker's timed checkpoints: a quiet device still gets its entries sealed by a signed checkpoint.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { verifyAuditLog } from '../../lib/audit-chain/verify.ts'
import { silentLogger } from '../../lib/logger.ts'
import { MemoryStorage } from '../physical/memory.ts'
import { AuditBroker } from './broker.ts'
import { buildEntry } from './entry.ts'

function lines(path: string): { type: string; seq: number }[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

it('writes a checkpoint on a timer after new entries, and none while nothing new arrives', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'coffer-broker-')), 'audit.log')
  const broker = new AuditBroker(new MemoryStorage(), silentLogger, () => Date.now(), {
    checkpointIntervalMs: 50,
  })
  await broker.load()
  await broker.enable('file', 'file', '', { file_path: file }, false)
  const entry = buildEntry({
    type: 'request',
    time: new Date().toISOString(),
    request: { id: 'r1', operation: 'read', path: 'secret/data/x' },
  })
  await broker.log(entry)
  await until(() => lines(file).at(-1)?.type === 'checkpoint')
  const count = lines(file).length
  assert.equal(count, 2, 'one entry, one checkpoint')
  // Quiet: several intervals pass without another checkpoint.
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(lines(file).length, count)
  const result = verifyAuditLog(readFileSync(file, 'utf8'), broker.publicKeyPem)
  assert.equal(result.ok, true)
  assert.equal(result.unsealedEntries, 0)
  assert.equal(result.checkpoints, 1)
  await broker.close()
})
