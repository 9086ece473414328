// Where a device's lines wait for its next write: chained on the request thread, or by a device that chains them.
import type { KeyObject } from 'node:crypto'
import type { AuditChain } from './chain.ts'
import type { ChainItem, ChainingDevice } from './devices/chained-file-device.ts'
import { type AuditDevice, LineBatch } from './devices/device.ts'
import type { LinePart } from './line-part.ts'

/** One device's waiting lines, in chain order; the broker writes them once per event-loop turn. */
export interface LineSink {
  /** The seq of the last line appended, so the broker knows when a checkpoint is due. */
  readonly seq: number
  /** Lines are waiting for the next write. */
  readonly waiting: boolean
  /** An entry's complete JSON text. */
  appendJson(json: string): void
  /** An entry's JSON text without its closing brace, at least one member, in parts (the broker's openEntryParts). */
  appendParts(parts: readonly LinePart[]): void
  /** A signed checkpoint stamped `time`, committing to every line before it; `resumed` as AuditChain.checkpoint. */
  checkpoint(signingKey: KeyObject, time: string, resumed?: boolean): void
  /** Takes the waiting lines and writes them; settles when they are handed to the OS or the write failed. */
  write(): Promise<void>
}

/** The largest written batch buffer an InlineSink keeps for its next batch. */
const MAX_SPARE_BYTES = 1024 * 1024

/** Lines chained and encoded on this thread, each into the waiting batch as it comes (see LineBatch). */
export class InlineSink implements LineSink {
  readonly #chain: AuditChain
  readonly #device: AuditDevice
  #batch: LineBatch | undefined
  /** The size of the last batch written, to size the next one's buffer. */
  #lastBatchBytes = 0
  /**
   * A written batch's buffer, for the next batch: a fresh one per event-loop turn cost its allocation and the
   * first touch of every page. Kept only once the device reported the bytes written (a failed or timed-out write
   * may still be reading them), and only when moderate, so one burst does not pin a large buffer.
   */
  #spare: Buffer | undefined

  constructor(chain: AuditChain, device: AuditDevice) {
    this.#chain = chain
    this.#device = device
  }

  get seq(): number {
    return this.#chain.state.seq
  }

  get waiting(): boolean {
    return this.#batch !== undefined && this.#batch.lines > 0
  }

  appendJson(json: string): void {
    this.#chain.appendJson(json, this.#take())
  }

  appendParts(parts: readonly LinePart[]): void {
    this.#chain.appendOpenParts(parts, this.#take())
  }

  checkpoint(signingKey: KeyObject, time: string, resumed = false): void {
    this.#chain.checkpoint(signingKey, time, this.#take(), resumed)
  }

  write(): Promise<void> {
    const batch = this.#batch
    this.#batch = undefined
    if (batch === undefined || batch.lines === 0) return Promise.resolve()
    this.#lastBatchBytes = batch.bytes
    return this.#device.write(batch.encoded()).then(() => {
      if (batch.buffer.length <= MAX_SPARE_BYTES) this.#spare = batch.buffer
    })
  }

  #take(): LineBatch {
    if (this.#batch !== undefined) return this.#batch
    const capacity = Math.max(16 * 1024, this.#lastBatchBytes + (this.#lastBatchBytes >> 1))
    const spare = this.#spare
    this.#spare = undefined
    this.#batch = new LineBatch(spare !== undefined && spare.length >= capacity ? spare : capacity)
    return this.#batch
  }
}

/**
 * Lines handed to a device that chains them on its own thread: the texts are collected as they are (one message
 * per write carries them all), and only the seq is counted here, for the checkpoint cadence.
 */
export class ChainingSink implements LineSink {
  readonly #device: ChainingDevice
  #items: ChainItem[] = []
  #seq: number

  /** `seq`: the chain's seq so far (the device's file's last line), where the count starts. */
  constructor(device: ChainingDevice, seq: number) {
    this.#device = device
    this.#seq = seq
  }

  get seq(): number {
    return this.#seq
  }

  get waiting(): boolean {
    return this.#items.length > 0
  }

  appendJson(json: string): void {
    // The same check AuditChain.appendJson makes; an entry always has members, so `{}` is refused as well.
    if (json === undefined || json === '{}' || !json.startsWith('{') || !json.endsWith('}'))
      throw new Error('audit entry must be a non-empty JSON object')
    this.#items.push(json.slice(0, -1))
    this.#seq++
  }

  appendParts(parts: readonly LinePart[]): void {
    // Kept in parts: the device sends the long ones (remembered sections) to its thread by number.
    this.#items.push(parts)
    this.#seq++
  }

  checkpoint(_signingKey: KeyObject, time: string, resumed = false): void {
    // The device signs with the key it was opened with (the broker's, the same one).
    this.#items.push(resumed ? { checkpoint: time, resumed: true } : { checkpoint: time })
    this.#seq++
  }

  write(): Promise<void> {
    const items = this.#items
    this.#items = []
    return this.#device.writeChained(items)
  }
}
