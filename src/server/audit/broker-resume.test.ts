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

for (const options of [{}, { writer_thread: 'true' }] as Record<string, string>[])
  it(`a line a crash cut short stays a line of its own, followed by a resume checkpoint (${JSON.stringify(options)})`, async () => {
    const storage = new MemoryStorage()
    const file = newFile()
    const first = await started(storage, file, options)
    await logReads(first, 3)
    await first.close()
    // Even after the clean close's checkpoint: the crash of a later run tore its first line.
    const fragment = '{"time":"2024-05-01T00:00:00.000Z","type":"requ'
    appendFileSync(file, fragment)
    const restarted = await started(storage)
    await logReads(restarted, 2)
    await restarted.close()
    const text = readFileSync(file, 'utf8')
    assert.ok(text.includes(`\n${fragment}\n{"type":"checkpoint"`), 'the fragment is ended before the resume')
    const result = verifyAuditLog(readFileSync(file), restarted.publicKeyPem)
    assert.equal(result.ok, true, JSON.stringify(result.problems))
    assert.deepEqual(
      result.problems.map((problem) => [problem.kind, problem.line]),
      [['torn-line', 5]],
    )
    assert.deepEqual([result.entries, result.resumes, result.unwitnessedEntries], [5, 1, 0])
  })

it('a file holding only a fragment starts a new chain after it, with a resume checkpoint', async () => {
  const storage = new MemoryStorage()
  const file = newFile()
  appendFileSync(file, '{"time":"2024-05-01T00:00:00.000Z","ty')
  const broker = await started(storage, file)
  await logReads(broker, 1)
  await broker.close()
  const result = verifyAuditLog(readFileSync(file), broker.publicKeyPem)
  assert.equal(result.ok, true, JSON.stringify(result.problems))
  assert.deepEqual(
    result.problems.map((problem) => problem.kind),
    ['torn-line'],
  )
  assert.equal(result.entries, 1)
})

it('a line slipped into the file is still malformed: only the writer’s own resume checkpoint excuses a fragment', async () => {
  const storage = new MemoryStorage()
  const file = newFile()
  const first = await started(storage, file)
  await logReads(first, 2)
  await first.close()
  const lines = readFileSync(file, 'utf8').trim().split('\n')
  const restarted = await started(storage)
  await logReads(restarted, 1)
  await restarted.close()
  // Junk before a genuine checkpoint that was not a resume, and before a later ordinary entry.
  const tampered = [...lines.slice(0, 2), '{"time":"2024', ...lines.slice(2)].join('\n')
  const result = verifyAuditLog(`${tampered}\n`, restarted.publicKeyPem)
  assert.equal(result.ok, false)
  assert.ok(result.problems.some((problem) => problem.kind === 'malformed'))
})

it('a file ending with a checkpoint another key signed is resumed after a resume checkpoint', async () => {
  const file = newFile()
  // Another server (another signing key) wrote and closed this file.
  const other = await started(new MemoryStorage(), file)
  await logReads(other, 2)
  await other.close()
  const ours = await started(new MemoryStorage(), file)
  await logReads(ours, 1)
  await ours.close()
  const lines = records(file)
  assert.deepEqual(
    lines.map((line) => [line['type'], line['resumed'] ?? false]),
    [
      ['request', false],
      ['request', false],
      ['checkpoint', false],
      ['checkpoint', true],
      ['request', false],
      ['checkpoint', false],
    ],
  )
  // Under our key the other server's checkpoint does not verify; ours, the resume included, do.
  const result = verifyAuditLog(readFileSync(file), ours.publicKeyPem)
  assert.deepEqual(
    result.problems.map((problem) => [problem.kind, problem.line]),
    [['bad-signature', 3]],
  )
  assert.equal(result.resumes, 1)
})

it('a genuine checkpoint copied to the end of the file while the server was down does not pass for its last', async () => {
  const storage = new MemoryStorage()
  const file = newFile()
  const first = await started(storage, file)
  await logReads(first, 2)
  await first.close()
  // An attacker appends a forged entry, then a copy of the server's own (validly signed) checkpoint after it.
  const text = readFileSync(file, 'utf8')
  const last = text.trim().split('\n').at(-1)!
  const lastSeq = JSON.parse(last).seq as number
  const forged = `{"time":"2024-05-01T00:00:00Z","type":"request","request":{"id":"forged","operation":"delete","path":"secret/data/x"},"seq":${lastSeq + 1},"prev_hash":"${lineHash(last)}"}`
  appendFileSync(file, `${forged}\n${last}\n`)
  const second = await started(storage)
  await turn()
  await second.close()
  const appended = records(file).slice(-3)
  assert.deepEqual(
    appended.map((line) => [line['type'], line['resumed'] ?? false]),
    [
      ['checkpoint', false],
      ['checkpoint', true],
      ['checkpoint', false],
    ],
    'the replayed checkpoint is followed by a resume checkpoint',
  )
  const result = verifyAuditLog(readFileSync(file), second.publicKeyPem)
  assert.equal(result.ok, false, 'the replayed checkpoint itself is reported')
  assert.equal(result.resumes, 1)
})
