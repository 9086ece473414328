// Tests for sink delivery: in order, at least once (the head is retried until taken), a bounded queue that drops the oldest, and offer never waiting.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { silentLogger } from '../../lib/logger.ts'
import { RetryQueue } from './retry-queue.ts'
import { EventSink, type SinkMessage, type SinkTransport } from './sink.ts'
import { ManualSleeps } from './test-helpers.ts'

/** A transport that takes messages only while `up`; a refused attempt rejects at once, as a closed port does. */
class SwitchableTransport implements SinkTransport {
  up = true
  readonly received: string[] = []
  attempts = 0
  resets = 0
  async deliver(message: SinkMessage): Promise<void> {
    this.attempts++
    if (!this.up) throw new Error('connection refused')
    this.received.push(message.id)
  }
  reset(): void {
    this.resets++
  }
  async close(): Promise<void> {}
}

const message = (id: string): SinkMessage => ({ id, type: 'kv-v2/data-write', body: `{"id":"${id}"}` })

function sink(transport: SinkTransport, sleeps: ManualSleeps, queueSize = 100) {
  return new EventSink({ name: 'test', transport, queueSize, logger: silentLogger, sleep: sleeps.sleep })
}

describe('RetryQueue', () => {
  it('keeps order, drops the oldest when full and counts it, and settles only the head it was given', () => {
    const q = new RetryQueue<string>(2)
    q.push('a')
    const a = q.peek()!
    q.push('b')
    q.push('c')
    assert.equal(q.dropped, 1)
    assert.equal(q.size, 2)
    q.settle(a.seq)
    assert.equal(q.peek()?.item, 'b', 'a was dropped while in flight: settling it leaves b')
    q.settle(q.peek()!.seq)
    assert.equal(q.peek()?.item, 'c')
    assert.throws(() => new RetryQueue(0), /at least 1/)
  })

  it('stays correct across many pushes and settles', () => {
    const q = new RetryQueue<number>(10)
    const out: number[] = []
    for (let i = 0; i < 5000; i++) {
      q.push(i)
      if (i % 2 === 1) {
        for (const _ of [0, 1]) {
          const head = q.peek()!
          out.push(head.item)
          q.settle(head.seq)
        }
      }
    }
    assert.deepEqual(
      out,
      Array.from({ length: 5000 }, (_, i) => i),
    )
  })
})

describe('EventSink', () => {
  it('delivers in order', async () => {
    const transport = new SwitchableTransport()
    const s = sink(transport, new ManualSleeps())
    for (const id of ['1', '2', '3']) s.offer(message(id))
    await s.drained()
    assert.deepEqual(transport.received, ['1', '2', '3'])
    assert.deepEqual(s.status(), { name: 'test', pending: 0, delivered: 3, dropped: 0, failures: 0 })
  })

  it('retries the head until the transport takes it, then goes on in order', async () => {
    const transport = new SwitchableTransport()
    const sleeps = new ManualSleeps()
    const s = sink(transport, sleeps)
    transport.up = false
    s.offer(message('1'))
    s.offer(message('2'))
    await sleeps.untilWaiting()
    sleeps.release()
    await sleeps.untilWaiting()
    assert.equal(transport.received.length, 0)
    assert.equal(s.status().pending, 2)
    transport.up = true
    sleeps.release()
    await s.drained()
    assert.deepEqual(transport.received, ['1', '2'])
    assert.equal(s.status().failures, 2)
    assert.equal(transport.resets, 2, 'each failure drops the connection so the next attempt reconnects')
  })

  it('drops the oldest past its queue size while the transport is down, and counts it', async () => {
    const transport = new SwitchableTransport()
    const sleeps = new ManualSleeps()
    const s = sink(transport, sleeps, 3)
    transport.up = false
    for (const id of ['1', '2', '3', '4', '5']) s.offer(message(id))
    await sleeps.untilWaiting()
    assert.equal(s.status().dropped, 2)
    transport.up = true
    sleeps.release()
    await s.drained()
    assert.deepEqual(transport.received, ['3', '4', '5'])
  })

  it('never makes the offering caller wait, even when the transport hangs', async () => {
    const hanging: SinkTransport = {
      deliver: () => new Promise(() => {}),
      reset: () => {},
      close: async () => {},
    }
    const s = new EventSink({ name: 'hang', transport: hanging, queueSize: 10, logger: silentLogger })
    for (let i = 0; i < 50; i++) s.offer(message(String(i)))
    // offer returned 50 times without awaiting anything; the queue holds what fits.
    assert.equal(s.status().pending, 10)
    assert.equal(s.status().dropped, 40)
    await s.close()
  })

  it('abandons an attempt that gets no answer in time and retries it', async () => {
    let calls = 0
    const received: string[] = []
    const flaky: SinkTransport = {
      deliver: (m) => {
        calls++
        if (calls === 1) return new Promise(() => {})
        received.push(m.id)
        return Promise.resolve()
      },
      reset: () => {},
      close: async () => {},
    }
    const sleeps = new ManualSleeps()
    const s = new EventSink({
      name: 'slow',
      transport: flaky,
      queueSize: 10,
      logger: silentLogger,
      sleep: sleeps.sleep,
      attemptTimeoutMs: 1,
    })
    s.offer(message('1'))
    await sleeps.untilWaiting()
    sleeps.release()
    await s.drained()
    assert.deepEqual(received, ['1'])
  })
})
