// The file audit device's writer thread: chained lines in order, checkpoints, rotation, and failing when it fails.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { GENESIS_HASH } from '../../../lib/audit-chain/format.ts'
import { verifyAuditLog } from '../../../lib/audit-chain/verify.ts'
import { sha256Hex } from '../../../lib/hash.ts'
import { generateSigningKey } from '../chain.ts'
import { type ChainedFileOptions, createChainedFileDevice } from './chained-file-device.ts'
import { AuditDeviceError, AuditDeviceTimeoutError } from './device.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-audit-chained-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const freshPath = (): string => join(root, `audit-${++counter}.log`)
const { privateKey, publicKeyPem } = generateSigningKey()
const DYING = new URL('./__fixtures__/dying-chain-writer.ts', import.meta.url)
const device = (filePath: string, extra: Partial<ChainedFileOptions> = {}) =>
  createChainedFileDevice({ filePath, mode: 0o600, signingKey: privateKey, ...extra })
const lines = (path: string): string[] => readFileSync(path, 'utf8').trimEnd().split('\n')
const entry = (n: number) => `{"type":"request","n":${n},"note":"tökén 🔑 ${'y'.repeat(n * 50)}"`

describe('file audit device on its writer thread', () => {
  it('chains the lines of concurrent batches in call order, signs checkpoints, and the file verifies', async () => {
    const path = freshPath()
    const dev = await device(path)
    const batches = Array.from({ length: 30 }, (_, b) => [entry(2 * b), entry(2 * b + 1)])
    await Promise.all([
      ...batches.slice(0, 15).map((items) => dev.writeChained(items)),
      dev.writeChained([{ checkpoint: '2024-05-01T00:00:00Z' }]),
      ...batches.slice(15).map((items) => dev.writeChained(items)),
    ])
    await dev.close()
    const written = lines(path).map((line) => JSON.parse(line))
    assert.equal(written.length, 61)
    assert.deepEqual(
      written.filter((line) => line.type === 'request').map((line) => line.n),
      Array.from({ length: 60 }, (_, n) => n),
    )
    assert.equal(written[30].type, 'checkpoint')
    assert.deepEqual(
      written.map((line) => line.seq),
      Array.from({ length: 61 }, (_, i) => i + 1),
    )
    // Each line is the given text with the chain members spliced in before its closing brace.
    assert.equal(lines(path)[0], `${entry(0)},"seq":1,"prev_hash":"${GENESIS_HASH}"}`)
    const result = verifyAuditLog(readFileSync(path, 'utf8'), publicKeyPem)
    assert.equal(result.ok, true, JSON.stringify(result.problems))
    assert.equal(result.checkpoints, 1)
  })

  it('continues the chain of an existing file', async () => {
    const path = freshPath()
    const first = await device(path)
    await first.writeChained([entry(1), entry(2)])
    await first.close()
    const second = await device(path)
    await second.writeChained([entry(3), { checkpoint: '2024-05-01T00:00:00Z' }])
    await second.close()
    const all = lines(path)
    assert.equal(JSON.parse(all[2]!).seq, 3)
    assert.equal(JSON.parse(all[2]!).prev_hash, sha256Hex(all[1]!))
    assert.equal(verifyAuditLog(readFileSync(path, 'utf8'), publicKeyPem).ok, true)
  })

  it('writes to a new file after the old one is renamed away and reopen() runs, the chain continuing', async () => {
    const path = freshPath()
    const dev = await device(path)
    await dev.writeChained([entry(1)])
    renameSync(path, `${path}.1`)
    await dev.writeChained([entry(2)])
    await dev.reopen()
    await dev.writeChained([entry(3)])
    await dev.close()
    const old = lines(`${path}.1`)
    assert.deepEqual(
      old.map((line) => JSON.parse(line).n),
      [1, 2],
      'lines before the reopen go to the renamed file',
    )
    const fresh = lines(path)
    assert.equal(fresh.length, 1)
    assert.equal(JSON.parse(fresh[0]!).prev_hash, sha256Hex(old[1]!))
  })

  it('fails at enable time on a path that cannot be opened, naming the device and the reason', async () => {
    await assert.rejects(device(join(root, 'missing-dir', 'audit.log')), (error: Error) => {
      assert.ok(error instanceof AuditDeviceError)
      assert.match(
        error.message,
        /audit file device ".*missing-dir.*": cannot open: .* does not exist \(ENOENT\)/,
      )
      return true
    })
  })

  it('rejects every batch whose write fails (ENOSPC), with no entry content in the error', async () => {
    const dev = await device('/dev/full')
    const results = await Promise.allSettled([dev.writeChained([entry(1)]), dev.writeChained([entry(2)])])
    for (const result of results) {
      assert.equal(result.status, 'rejected')
      assert.ok(result.reason instanceof AuditDeviceError)
      assert.equal(result.reason.code, 'ENOSPC')
      assert.ok(!String(result.reason.message).includes('tökén'), 'no entry content in the error')
    }
    await dev.close()
  })

  it('fails every waiting batch when its writer thread dies, later ones until it restarts, then writes again', async () => {
    const path = freshPath()
    const dev = await device(path, { workerUrl: DYING, restartIntervalMs: 60_000 })
    await dev.writeChained([entry(1)])
    // Sent together: the thread dies on the second, so neither the second nor the third is answered as written.
    const results = await Promise.allSettled([dev.writeChained(['{"die":1']), dev.writeChained([entry(2)])])
    for (const result of results) {
      assert.equal(result.status, 'rejected')
      assert.ok(result.reason instanceof AuditDeviceError)
      assert.match(result.reason.message, /writer thread stopped/)
    }
    // Within the restart interval, a batch fails at once rather than starting a thread per batch.
    await assert.rejects(dev.writeChained([entry(3)]), /writer thread stopped/)
    await dev.close()
    assert.deepEqual(
      lines(path).map((line) => JSON.parse(line).n),
      [1],
    )

    // With no interval, the next batch starts a new thread, which continues the chain from the file; a long part
    // the old thread was sent (and knew by number) is sent to the new one again.
    const again = await device(path, { workerUrl: DYING, restartIntervalMs: 0 })
    const long = `"${'z'.repeat(300)}"`
    await again.writeChained([['{"n":4,"long":', long]])
    await assert.rejects(again.writeChained(['{"die":1']), /writer thread stopped/)
    await again.writeChained([['{"n":5,"long":', long], { checkpoint: '2024-05-01T00:00:00Z' }])
    await again.close()
    assert.deepEqual(
      lines(path).map((line) => JSON.parse(line).n ?? 'checkpoint'),
      [1, 4, 5, 'checkpoint'],
    )
    assert.equal(JSON.parse(lines(path)[2]!).long, 'z'.repeat(300))
    const result = verifyAuditLog(readFileSync(path, 'utf8'), publicKeyPem)
    assert.equal(result.ok, true, JSON.stringify(result.problems))
  })

  it('fails the batches of a thread that stops answering (a hung disk), and close still ends it', async () => {
    const path = freshPath()
    const dev = await device(path, { workerUrl: DYING, writeTimeoutMs: 50 })
    await dev.writeChained([entry(1)])
    const results = await Promise.allSettled([dev.writeChained(['{"hang":1']), dev.writeChained([entry(2)])])
    for (const result of results) {
      assert.equal(result.status, 'rejected')
      assert.ok(result.reason instanceof AuditDeviceTimeoutError)
    }
    await dev.close()
    assert.deepEqual(
      lines(path).map((line) => JSON.parse(line).n),
      [1],
    )
  })

  it('refuses batches after close, and close writes everything sent before it', async () => {
    const path = freshPath()
    writeFileSync(path, '')
    const dev = await device(path)
    const pending = dev.writeChained([entry(1), { checkpoint: '2024-05-01T00:00:00Z' }])
    await dev.close()
    await pending
    assert.equal(lines(path).length, 2)
    await assert.rejects(dev.writeChained([entry(2)]), /device is closed/)
    assert.ok(existsSync(path))
  })
})
