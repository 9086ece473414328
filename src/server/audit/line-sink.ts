// Where a device's lines wait for its next write: chained on the request thread, or by a device that chains them.
import type { KeyObject } from 'node:crypto'
import type { AuditChain } from './chain.ts'
import type { ChainItem, ChainingDevice } from './devices/chained-file-device.ts'
import { type AuditDevice, LineBatch } from './devices/device.ts'

/** One device's waiting lines, in chain order; the broker writes them once per event-loop turn. */
export interface LineSink {
  /** The seq of the last line appended, so the broker knows when a checkpoint is due. */
  readonly seq: number
  /** Lines are waiting for the next write. */
  readonly waiting: boolean
  /** An entry's complete JSON text. */
  appendJson(json: string): void
  /** An entry's JSON text without its closing brace, at least one member, in parts (the broker's openEntryParts). */
  appendParts(parts: readonly string[]): void
  /** A signed checkpoint stamped `time`, committing to every line before it. */
  checkpoint(signingKey: KeyObject, time: string): void
  /** Takes the waiting lines and writes them; settles when they are handed to the OS or the write failed. */
  write(): Promise<void>
}

/** Lines chained and encoded on this thread, each into the waiting batch as it comes (see LineBatch). */
export class InlineSink implements LineSink {
  readonly #chain: AuditChain
  readonly #device: AuditDevice
  #batch: LineBatch | undefined
  /** The size of the last batch written, to size the next one's buffer. */
  #lastBatchBytes = 0

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

  appendParts(parts: readonly string[]): void {
    this.#chain.appendOpen(parts.join(''), this.#take())
  }

  checkpoint(signingKey: KeyObject, time: string): void {
    this.#chain.checkpoint(signingKey, time, this.#take())
  }

  write(): Promise<void> {
    const batch = this.#batch
    this.#batch = undefined
    if (batch === undefined || batch.lines === 0) return Promise.resolve()
    this.#lastBatchBytes = batch.bytes
    return this.#device.write(batch.encoded())
  }

  #take(): LineBatch {
    this.#batch ??= new LineBatch(Math.max(16 * 1024, this.#lastBatchBytes + (this.#lastBatchBytes >> 1)))
    return this.#batch
  }
}

/** Parts this long are sent to the writer thread once and referred to by number afterwards. */
const FRAGMENT_MIN_LENGTH = 128
const MAX_FRAGMENTS = 1024

/**
 * Lines handed to a device that chains them on its own thread: the texts are collected as they are (one message
 * per write carries them all), and only the seq is counted here, for the checkpoint cadence. A line's long parts
 * (a token's auth section, the remembered rest of its request section, a frozen answer's response section) are
 * sent once and then by number: copying them into every message cost the request thread more than the parts of
 * a line that change.
 */
export class ChainingSink implements LineSink {
  readonly #device: ChainingDevice
  #items: ChainItem[] = []
  #seq: number
  /** Long parts already sent to the thread, by their text: the remembered sections repeat from read to read. */
  readonly #fragments = new Map<string, number>()

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

  appendParts(parts: readonly string[]): void {
    const line: (string | number)[] = []
    for (const part of parts) {
      if (part === '') continue
      if (part.length < FRAGMENT_MIN_LENGTH) {
        line.push(part)
        continue
      }
      let id = this.#fragments.get(part)
      if (id === undefined) {
        // A bounded table: when full it starts over, and texts still in use are simply sent again. The thread
        // replaces a number's text when it is defined anew, and items arrive in order, so a reference always
        // means the text defined last under its number.
        if (this.#fragments.size >= MAX_FRAGMENTS) this.#fragments.clear()
        id = this.#fragments.size
        this.#fragments.set(part, id)
        this.#items.push({ fragment: id, text: part })
      }
      line.push(id)
    }
    this.#items.push(line)
    this.#seq++
  }

  checkpoint(_signingKey: KeyObject, time: string): void {
    // The device signs with the key it was opened with (the broker's, the same one).
    this.#items.push({ checkpoint: time })
    this.#seq++
  }

  write(): Promise<void> {
    const items = this.#items
    this.#items = []
    return this.#device.writeChained(items)
  }
}
