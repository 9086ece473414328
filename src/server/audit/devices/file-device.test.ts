// File audit device: appending, whole lines under concurrency, rotation, and failing locations.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { track, turns } from '../../../../test/helpers/gates.ts'
import { AuditDeviceError, AuditDeviceQueueFullError, AuditDeviceTimeoutError } from './device.ts'
import { createFileDevice } from './file-device.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-audit-file-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const freshPath = (): string => join(root, `audit-${++counter}.log`)
const readLines = (path: string): string[] => readFileSync(path, 'utf8').split('\n')
const SECRET = 'hunter2-do-not-log'
const TIMEOUT_MS = 150

describe('file audit device', () => {
  it('appends newline-terminated lines to an existing file and creates the file with mode 0600', async () => {
    const path = freshPath()
    const device = await createFileDevice({ filePath: path })
    assert.equal(device.type, 'file')
    await device.write(['{"a":1}', '{"b":2}'])
    await device.write(['{"c":3}'])
    await device.close()
    assert.equal(statSync(path).mode & 0o777, 0o600)
    const again = await createFileDevice({ filePath: path, mode: 0o640 })
    await again.write(['{"d":4}'])
    await again.close()
    assert.deepEqual(readLines(path), ['{"a":1}', '{"b":2}', '{"c":3}', '{"d":4}', ''])
    assert.equal(statSync(path).mode & 0o777, 0o640, 'an existing file is chmodded to the configured mode')
  })

  it('never interleaves concurrent batches within a line, and keeps call order', async () => {
    const path = freshPath()
    const device = await createFileDevice({ filePath: path })
    const batches = Array.from({ length: 200 }, (_, b) =>
      Array.from({ length: 3 }, (_, l) => JSON.stringify({ b, l, pad: 'x'.repeat(5000 + b * 37) })),
    )
    await Promise.all(batches.map((lines) => device.write(lines)))
    await device.close()
    const lines = readLines(path)
    assert.equal(lines.pop(), '', 'the file ends with a newline')
    assert.deepEqual(lines, batches.flat())
  })

  it('writes to a new file at the path after the old one is renamed away and reopen() runs', async () => {
    const path = freshPath()
    const rotated = `${path}.1`
    const device = await createFileDevice({ filePath: path })
    await device.write(['{"before":true}'])
    renameSync(path, rotated)
    await device.write(['{"still-old":true}'])
    await device.reopen()
    await device.write(['{"after":true}'])
    await device.close()
    assert.deepEqual(readLines(rotated), ['{"before":true}', '{"still-old":true}', ''])
    assert.deepEqual(readLines(path), ['{"after":true}', ''])
  })

  it('orders reopen() after writes already queued', async () => {
    const path = freshPath()
    const rotated = `${path}.1`
    const device = await createFileDevice({ filePath: path })
    await device.write(['{"first":true}'])
    renameSync(path, rotated)
    const pending = [device.write(['{"queued":true}']), device.reopen(), device.write(['{"later":true}'])]
    await Promise.all(pending)
    await device.close()
    assert.deepEqual(readLines(rotated), ['{"first":true}', '{"queued":true}', ''])
    assert.deepEqual(readLines(path), ['{"later":true}', ''])
  })

  it('refuses a path whose directory does not exist, naming the directory', async () => {
    const dir = join(root, 'no-such-dir')
    await assert.rejects(createFileDevice({ filePath: join(dir, 'audit.log') }), (err: unknown) => {
      assert.ok(err instanceof AuditDeviceError)
      assert.equal(err.code, 'ENOENT')
      assert.match(err.message, /does not exist/)
      assert.ok(err.message.includes(dir))
      return true
    })
    assert.equal(existsSync(dir), false, 'the directory is not created behind the operator’s back')
  })

  it('refuses a location it cannot write to', async () => {
    // Root ignores directory permissions, so as root use sysfs, which refuses new files to everyone.
    let filePath = '/sys/coffer-audit.log'
    if (process.getuid?.() !== 0) {
      const dir = join(root, 'read-only')
      mkdirSync(dir)
      chmodSync(dir, 0o500)
      filePath = join(dir, 'audit.log')
    }
    await assert.rejects(createFileDevice({ filePath }), (err: unknown) => {
      assert.ok(err instanceof AuditDeviceError)
      assert.equal(err.code, 'EACCES')
      assert.match(err.message, /permission denied/)
      return true
    })
  })

  it('refuses a path under a regular file', async () => {
    const file = freshPath()
    writeFileSync(file, '')
    await assert.rejects(
      createFileDevice({ filePath: join(file, 'audit.log') }),
      /not a directory \(ENOTDIR\)/,
    )
  })

  it('rejects writes on a full disk with a message that carries no log content, and keeps working', async () => {
    // /dev/full fails every write with ENOSPC; mode 0 leaves the shared device node untouched.
    const device = await createFileDevice({ filePath: '/dev/full', mode: 0, writeTimeoutMs: 1000 })
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(device.write([JSON.stringify({ secret: SECRET })]), (err: unknown) => {
        assert.ok(err instanceof AuditDeviceError)
        assert.equal(err.code, 'ENOSPC')
        assert.match(err.message, /no space left on device/)
        assert.ok(!err.message.includes(SECRET))
        assert.ok(!String(err.stack).includes(SECRET))
        return true
      })
    }
    await device.close()
  })

  it('reports a failed reopen and writes again once the directory is back', async () => {
    const dir = join(root, 'rotating')
    mkdirSync(dir)
    const path = join(dir, 'audit.log')
    const device = await createFileDevice({ filePath: path })
    await device.write(['{"n":1}'])
    renameSync(dir, `${dir}.old`)
    await assert.rejects(device.reopen(), /does not exist/)
    await assert.rejects(device.write(['{"n":2}']), /does not exist/)
    mkdirSync(dir)
    await device.write(['{"n":3}'])
    await device.close()
    assert.deepEqual(readLines(`${dir}.old/audit.log`), ['{"n":1}', ''])
    assert.deepEqual(readLines(path), ['{"n":3}', ''])
  })

  it('refuses entries beyond the queued-bytes cap instead of buffering without bound', async () => {
    const path = freshPath()
    const device = await createFileDevice({ filePath: path, maxQueuedBytes: 1024, directWrites: false })
    const first = device.write(['x'.repeat(600)])
    await assert.rejects(device.write(['y'.repeat(600)]), AuditDeviceQueueFullError)
    await first
    await device.write(['z'.repeat(600)])
    await device.close()
    assert.deepEqual(readLines(path), ['x'.repeat(600), 'z'.repeat(600), ''])
  })

  it('writes one batch larger than the queued-bytes cap when nothing else is waiting', async () => {
    const path = freshPath()
    const device = await createFileDevice({ filePath: path, maxQueuedBytes: 1024, directWrites: false })
    await device.write(['w'.repeat(4096)])
    await device.close()
    assert.deepEqual(readLines(path), ['w'.repeat(4096), ''])
  })

  it('writes a local regular file directly: settled within the same turn, no thread-pool round trip', async () => {
    const settledWithinMicrotasks = async (device: Awaited<ReturnType<typeof createFileDevice>>) => {
      let settled = false
      const pending = device.write(['{"n":1}']).then(() => {
        settled = true
      })
      for (let i = 0; i < 5; i++) await Promise.resolve()
      const result = settled
      await pending
      return result
    }
    const path = freshPath()
    const direct = await createFileDevice({ filePath: path })
    assert.equal(await settledWithinMicrotasks(direct), true)
    assert.deepEqual(readLines(path), ['{"n":1}', ''])
    // The queued path needs an I/O callback, which no amount of microtasks reaches.
    const queued = await createFileDevice({ filePath: freshPath(), directWrites: false })
    assert.equal(await settledWithinMicrotasks(queued), false)
    await direct.close()
    await queued.close()
  })

  it('times out a write that hangs (a FIFO nobody reads) at its deadline, and recovers once the reader drains', async (t) => {
    const fifo = join(root, `audit-${++counter}.fifo`)
    execFileSync('mkfifo', [fifo])
    // Opening the read end first lets the device's append-open complete; paused, it reads nothing.
    const reader = createReadStream(fifo)
    reader.pause()
    const device = await createFileDevice({ filePath: fifo, mode: 0, writeTimeoutMs: TIMEOUT_MS })
    // Deadlines run on mocked timers from here: the test moves time, so load on the machine cannot matter.
    t.mock.timers.enable({ apis: ['setTimeout'] })
    // Far more than a pipe holds: this write cannot complete while nobody reads.
    const big = 'x'.repeat(1024 * 1024)
    const stuck = track(device.write([big]))
    await turns()
    t.mock.timers.tick(TIMEOUT_MS - 1)
    await turns()
    assert.equal(stuck.state, 'pending', 'not failed before its deadline')
    const queued = track(device.write(['{"queued":true}']))
    t.mock.timers.tick(1)
    await assert.rejects(stuck.promise, AuditDeviceTimeoutError)
    // Queued behind the stuck write: it settles by its own deadline, not when the disk lets go.
    assert.equal(queued.state, 'pending')
    t.mock.timers.tick(TIMEOUT_MS)
    await assert.rejects(queued.promise, AuditDeviceTimeoutError)

    const received: Buffer[] = []
    reader.on('data', (chunk) => received.push(Buffer.from(chunk)))
    reader.resume()
    await device.write(['{"after":true}'])
    const ended = new Promise<void>((resolve) => reader.once('end', () => resolve()))
    await device.close()
    await ended
    // The stuck batch completed whole; the queued one was dropped, not written after its rejection.
    assert.deepEqual(Buffer.concat(received).toString('utf8').split('\n'), [big, '{"after":true}', ''])
  })

  it('rejects writes after close', async () => {
    const device = await createFileDevice({ filePath: freshPath() })
    await device.close()
    await assert.rejects(device.write(['{}']), /closed/)
  })

  it('treats file_path "stdout" and "discard" as Vault does', async () => {
    const stdout = await createFileDevice({ filePath: 'stdout' })
    assert.equal(stdout.type, 'stdout')
    await stdout.close()
    const cwd = process.cwd()
    process.chdir(root)
    try {
      const discard = await createFileDevice({ filePath: 'discard' })
      await discard.write(['{"dropped":true}'])
      await discard.reopen()
      await discard.close()
      assert.equal(existsSync(join(root, 'discard')), false)
    } finally {
      process.chdir(cwd)
    }
  })
})
