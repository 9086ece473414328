// An event sink: a transport to a broker or endpoint, fed in order from a bounded retry queue, never in a request's way.
import { errorMessage } from '../../lib/error-message.ts'
import type { Logger } from '../../lib/logger.ts'
import { RetryQueue } from './retry-queue.ts'

/** What a sink sends: one event, already encoded as Vault's JSON envelope. */
export interface SinkMessage {
  id: string
  /** The event type, e.g. kv-v2/data-write: transports derive the subject, routing key or topic from it. */
  type: string
  body: string
}

/** One way of delivering: resolves once the other side has taken the message (acknowledged, confirmed, 2xx). */
export interface SinkTransport {
  deliver(message: SinkMessage): Promise<void>
  /** Drop the connection; the next delivery reconnects. */
  reset(): void
  close(): Promise<void>
}

export interface SinkOptions {
  /** For logs and status: "nats", "webhook", or the block's name. */
  name: string
  transport: SinkTransport
  queueSize: number
  logger: Logger
  /** Waits between attempts; tests pass one they release by hand (no wall-clock sleeps in tests). */
  sleep?: (ms: number) => Promise<void>
  /** Each delivery attempt is abandoned after this long (ms) and retried. */
  attemptTimeoutMs?: number
  minBackoffMs?: number
  maxBackoffMs?: number
}

export interface SinkStatus {
  name: string
  pending: number
  delivered: number
  dropped: number
  failures: number
}

const defaultSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref()
  })

/**
 * Delivers at least once, in order: the head of the queue is retried (with backoff) until the transport takes it,
 * and only then is the next one sent. `offer` never waits and never throws, so a sink that is down cannot slow or
 * fail the request whose change it reports; while it is down its queue fills, and past `queueSize` the oldest
 * messages are dropped and counted.
 */
export class EventSink {
  readonly name: string
  readonly #queue: RetryQueue<SinkMessage>
  readonly #opts: Required<Omit<SinkOptions, 'name' | 'transport' | 'queueSize' | 'logger'>> &
    Pick<SinkOptions, 'transport' | 'logger'>
  #running = false
  #closed = false
  #delivered = 0
  #failures = 0
  #idle: (() => void)[] = []

  constructor(opts: SinkOptions) {
    this.name = opts.name
    this.#queue = new RetryQueue(opts.queueSize)
    this.#opts = {
      transport: opts.transport,
      logger: opts.logger,
      sleep: opts.sleep ?? defaultSleep,
      attemptTimeoutMs: opts.attemptTimeoutMs ?? 10_000,
      minBackoffMs: opts.minBackoffMs ?? 250,
      maxBackoffMs: opts.maxBackoffMs ?? 30_000,
    }
  }

  offer(message: SinkMessage): void {
    if (this.#closed) return
    this.#queue.push(message)
    if (!this.#running) void this.#run()
  }

  status(): SinkStatus {
    return {
      name: this.name,
      pending: this.#queue.size,
      delivered: this.#delivered,
      dropped: this.#queue.dropped,
      failures: this.#failures,
    }
  }

  /** Resolves once everything queued so far has been delivered (or dropped); for tests and shutdown. */
  drained(): Promise<void> {
    if (this.#queue.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const resolve of this.#idle.splice(0)) resolve()
    await this.#opts.transport.close()
  }

  async #run(): Promise<void> {
    this.#running = true
    let backoff = this.#opts.minBackoffMs
    try {
      for (let head = this.#queue.peek(); head && !this.#closed; head = this.#queue.peek()) {
        try {
          await this.#attempt(head.item)
          this.#queue.settle(head.seq)
          this.#delivered++
          backoff = this.#opts.minBackoffMs
        } catch (error) {
          this.#failures++
          this.#opts.transport.reset()
          // The broker's error text, never the message (metadata only anyway) nor the sink's credentials.
          this.#opts.logger.log('warn', 'event sink delivery failed; will retry', {
            sink: this.name,
            pending: this.#queue.size,
            dropped: this.#queue.dropped,
            error: errorMessage(error),
          })
          await this.#opts.sleep(backoff)
          backoff = Math.min(backoff * 2, this.#opts.maxBackoffMs)
        }
      }
    } finally {
      this.#running = false
      if (this.#queue.size === 0) for (const resolve of this.#idle.splice(0)) resolve()
    }
  }

  #attempt(message: SinkMessage): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no acknowledgement within ${this.#opts.attemptTimeoutMs} ms`)),
        this.#opts.attemptTimeoutMs,
      )
      timer.unref()
    })
    return Promise.race([this.#opts.transport.deliver(message), timeout]).finally(() => clearTimeout(timer))
  }
}
