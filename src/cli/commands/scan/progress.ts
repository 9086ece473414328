// A progress bar on stderr for long scans: shown only on a terminal and only after the scan has run a while.
import type { WritableLike } from '../../context.ts'

const SHOW_AFTER_MS = 2000
const REDRAW_MS = 100
const WIDTH = 30

export class ProgressBar {
  readonly #stream: WritableLike
  readonly #started = Date.now()
  #lastDraw = 0
  #shown = false
  readonly #enabled: boolean

  constructor(stream: WritableLike, enabled: boolean) {
    this.#stream = stream
    this.#enabled = enabled && stream.isTTY === true
  }

  /** `total` 0 means unknown (a git history stream): bytes and rate only. */
  update(done: number, total: number, files: number): void {
    if (!this.#enabled) return
    const now = Date.now()
    if (now - this.#started < SHOW_AFTER_MS || now - this.#lastDraw < REDRAW_MS) return
    this.#lastDraw = now
    this.#shown = true
    const mb = done / 1e6
    const rate = mb / ((now - this.#started) / 1000)
    let line: string
    if (total > 0) {
      const fraction = Math.min(1, done / total)
      const filled = Math.round(fraction * WIDTH)
      line = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${files} files  ${mb.toFixed(1)} MB  ${rate.toFixed(1)} MB/s`
    } else line = `scanning history: ${mb.toFixed(1)} MB  ${rate.toFixed(1)} MB/s`
    this.#stream.write(`\r${line}\x1b[K`)
  }

  done(): void {
    if (this.#shown) this.#stream.write('\r\x1b[K')
  }
}
