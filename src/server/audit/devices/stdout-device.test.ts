// Stdout audit device: lines reach the stream whole, and a stalled or broken stream never hangs a write.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import { track, turns } from '../../../../test/helpers/gates.ts'
import { AuditDeviceError, AuditDeviceQueueFullError, AuditDeviceTimeoutError } from './device.ts'
import { createStdoutDevice } from './stdout-device.ts'

const TIMEOUT_MS = 100

/** A stream that records each chunk and lets the test decide when the OS "accepted" it. */
function controlledStream(): { stream: Writable; chunks: string[]; stall: () => void; release: () => void } {
  const chunks: string[] = []
  let stalled = false
  let held: (() => void)[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'))
      if (stalled) held.push(() => callback())
      else callback()
    },
  })
  return {
    stream,
    chunks,
    stall: () => {
      stalled = true
    },
    release: () => {
      stalled = false
      const pending = held
      held = []
      for (const done of pending) done()
    },
  }
}

describe('stdout audit device', () => {
  it('writes each batch as one newline-terminated chunk', async () => {
    const { stream, chunks } = controlledStream()
    const device = createStdoutDevice({ stream })
    assert.equal(device.type, 'stdout')
    await Promise.all([device.write(['{"a":1}', '{"b":2}']), device.write(['{"c":3}']), device.write([])])
    assert.deepEqual(chunks, ['{"a":1}\n{"b":2}\n', '{"c":3}\n'])
    await device.reopen()
    await device.close()
    assert.equal(stream.destroyed, false, 'the device does not own the stream')
    await assert.rejects(device.write(['{}']), /closed/)
  })

  it('times out at its deadline while the stream is stalled, and recovers when it drains', async (t) => {
    // Deadlines run on mocked timers: the test moves time, so the outcome cannot depend on machine load.
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const { stream, chunks, stall, release } = controlledStream()
    const device = createStdoutDevice({ stream, writeTimeoutMs: TIMEOUT_MS })
    stall()
    const stuck = track(device.write(['{"stuck":true}']))
    await turns()
    t.mock.timers.tick(TIMEOUT_MS - 1)
    await turns()
    assert.equal(stuck.state, 'pending', 'not failed before its deadline')
    // Queued behind the stuck write; its own deadline counts from its own call.
    const queued = track(device.write(['{"queued":true}']))
    t.mock.timers.tick(1)
    await assert.rejects(stuck.promise, AuditDeviceTimeoutError)
    assert.equal(queued.state, 'pending')
    // It was queued at TIMEOUT_MS - 1, so its deadline is 2 * TIMEOUT_MS - 1.
    t.mock.timers.tick(TIMEOUT_MS - 2)
    await turns()
    assert.equal(queued.state, 'pending')
    t.mock.timers.tick(1)
    // Settled by its deadline although the stream is still stalled: a stuck stream never holds a caller.
    await assert.rejects(queued.promise, AuditDeviceTimeoutError)
    release()
    await device.write(['{"after":true}'])
    // The queued entry timed out before it started, so it was dropped rather than written late.
    assert.deepEqual(chunks, ['{"stuck":true}\n', '{"after":true}\n'])
    await device.close()
  })

  it('writes one batch larger than the queued-bytes cap when nothing else is waiting', async () => {
    const { stream, chunks } = controlledStream()
    const device = createStdoutDevice({ stream, maxQueuedBytes: 100 })
    const line = `{"big":"${'x'.repeat(1000)}"}`
    await device.write([line])
    assert.deepEqual(chunks, [`${line}\n`])
    await device.close()
  })

  it('caps the bytes waiting on a stalled stream', async () => {
    const { stream, stall, release } = controlledStream()
    const device = createStdoutDevice({ stream, writeTimeoutMs: 1000, maxQueuedBytes: 100 })
    stall()
    const first = device.write(['a'.repeat(60)])
    await assert.rejects(device.write(['b'.repeat(60)]), AuditDeviceQueueFullError)
    release()
    await first
    await device.close()
  })

  it('rejects with a device error when the stream is broken', async () => {
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
      },
    })
    const device = createStdoutDevice({ stream })
    await assert.rejects(device.write(['{"secret":"s3cr3t"}']), (err: unknown) => {
      assert.ok(err instanceof AuditDeviceError)
      assert.equal(err.code, 'EPIPE')
      assert.ok(!err.message.includes('s3cr3t'))
      return true
    })
    await assert.rejects(device.write(['{}']), /stream is closed/)
    await device.close()
  })
})
