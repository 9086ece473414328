// A file device continued after a restart: a resume checkpoint whenever the file does not end with the server's own.
import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { lineHash } from '../../lib/audit-chain/format.ts'
import { verifyAuditLog } from '../../lib/audit-chain/verify.ts'
import { silentLogger } from '../../lib/logger.ts'
import { MemoryStorage } from '../physical/memory.ts'
import { AuditBroker } from './broker.ts'
import { buildEntry } from './entry.ts'

const FIXED_NOW = Date.UTC(2024, 4, 1)

function records(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
}

async function started(
  storage: MemoryStorage,
  file?: string,
  options: Record<string, string> = {},
): Promise<AuditBroker> {
  const broker = new AuditBroker(storage, silentLogger, () => FIXED_NOW)
  await broker.load()
  if (file !== undefined) await broker.enable('file', 'file', '', { file_path: file, ...options }, false)
  return broker
}

async function logReads(broker: AuditBroker, count: number): Promise<void> {
  for (let i = 0; i < count; i++)
    await broker.log(
      buildEntry({
        type: 'request',
        time: new Date(FIXED_NOW).toISOString(),
        request: { id: `r${i}`, operation: 'read', path: 'secret/data/x' },
      }),
    )
}

/** Lets the resume checkpoint scheduled at load reach the file (it goes out at the end of a turn). */
const turn = () => new Promise((resolve) => setImmediate(resolve))

/** Until the file's last line is a resume checkpoint: a writer thread writes it a few turns later. */
async function untilResumed(file: string): Promise<void> {
  while (records(file).at(-1)?.['resumed'] !== true) await turn()
}

function newFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'coffer-broker-resume-')), 'audit.log')
}

it('continues a cleanly closed file without a resume checkpoint', async () => {
  const storage = new MemoryStorage()
  const file = newFile()
  const first = await started(storage, file)
  await logReads(first, 3)
  await first.close()
  const second = await started(storage)
  await turn()
  await logReads(second, 2)
  await second.close()
  const result = verifyAuditLog(readFileSync(file), second.publicKeyPem)
  assert.equal(result.ok, true, JSON.stringify(result.problems))
  assert.deepEqual(
    [result.entries, result.checkpoints, result.resumes, result.unwitnessedEntries],
    [5, 2, 0, 0],
  )
  assert.ok(records(file).every((record) => record['resumed'] === undefined))
})

it('after a crash, marks the entries no checkpoint covered as unwitnessed', async () => {
  const storage = new MemoryStorage()
  const file = newFile()
  const crashed = await started(storage, file)
  await logReads(crashed, 4) // never closed: no final checkpoint
  const restarted = await started(storage)
  await turn()
  const resume = records(file).at(-1)!
  assert.equal(resume['type'], 'checkpoint')
  assert.equal(resume['resumed'], true)
  assert.equal(resume['seq'], 5)
  await logReads(restarted, 2)
  await restarted.close()
  const result = verifyAuditLog(readFileSync(file), restarted.publicKeyPem)
  assert.equal(result.ok, true, JSON.stringify(result.problems))
  assert.deepEqual(
    [result.entries, result.resumes, result.unwitnessedEntries, result.unsealedEntries],
    [6, 1, 4, 0],
  )
})

it('lines forged while the server was down are not vouched for by its later checkpoints', async () => {
  const storage = new MemoryStorage()
  const file = newFile()
  const first = await started(storage, file)
  await logReads(first, 2)
  await first.close()
  // Chained correctly (SHA-256 needs no key), appended while the server is stopped.
  const last = readFileSync(file, 'utf8').trim().split('\n').at(-1)!
  const lastSeq = JSON.parse(last).seq as number
  const forged = `{"time":"2024-05-01T00:00:00Z","type":"request","request":{"id":"forged","operation":"delete","path":"secret/data/x"},"seq":${lastSeq + 1},"prev_hash":"${lineHash(last)}"}`
  appendFileSync(file, `${forged}\n`)
  const second = await started(storage)
  await turn()
  await logReads(second, 1)
  await second.close()
  const result = verifyAuditLog(readFileSync(file), second.publicKeyPem)
  assert.equal(result.resumes, 1)
  assert.equal(result.unwitnessedEntries, 1, 'the forged line is reported as unwitnessed, not vouched for')
})

it('a resume checkpoint edited into an ordinary one no longer verifies', async () => {
  const storage = new MemoryStorage()
  const file = newFile()
  const crashed = await started(storage, file)
  await logReads(crashed, 2)
  const restarted = await started(storage)
  await turn()
  await restarted.close()
  const edited = readFileSync(file, 'utf8').replace('"resumed":true,', '')
  assert.notEqual(edited, readFileSync(file, 'utf8'))
  const result = verifyAuditLog(edited, restarted.publicKeyPem)
  assert.equal(result.ok, false)
  assert.ok(result.problems.some((problem) => problem.kind === 'bad-signature'))
})

it('a device on its own writer thread writes the resume checkpoint too', async () => {
  const storage = new MemoryStorage()
  const file = newFile()
  const crashed = await started(storage, file, { writer_thread: 'true' })
  await logReads(crashed, 3)
  const restarted = await started(storage)
  await untilResumed(file)
  await logReads(restarted, 1)
  await restarted.close()
  const result = verifyAuditLog(readFileSync(file), restarted.publicKeyPem)
  // Only now: closing the crashed broker (to end its thread) appends its stale final checkpoint.
  await crashed.close()
  assert.equal(result.ok, true, JSON.stringify(result.problems))
  assert.deepEqual([result.resumes, result.unwitnessedEntries], [1, 3])
})
