// Per-path request counts with bounded cardinality: the path cut to mount + N segments, and a cap on distinct labels.

/** The label every path past the cap is counted under. */
export const OVERFLOW_PATH = 'other'

export class PathAccessCounter {
  readonly #counts = new Map<string, number>()
  readonly #depth: number
  readonly #limit: number

  /** `depth`: segments kept after the mount path; `limit`: distinct labels before the rest go to "other". */
  constructor(depth: number, limit: number) {
    if (!Number.isInteger(depth) || depth < 0)
      throw new RangeError('access path depth must be a whole number')
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('access path limit must be at least 1')
    this.#depth = depth
    this.#limit = limit
  }

  /** Counts one request to `path` (the full request path) on the mount at `mountPath` (ends with a slash). */
  count(mountPath: string, path: string): void {
    const label = this.#label(mountPath, path)
    const seen = this.#counts.get(label)
    if (seen !== undefined) this.#counts.set(label, seen + 1)
    else if (this.#counts.size < this.#limit) this.#counts.set(label, 1)
    else this.#counts.set(OVERFLOW_PATH, (this.#counts.get(OVERFLOW_PATH) ?? 0) + 1)
  }

  /** The counts so far, by label (read when metrics are scraped). */
  entries(): IterableIterator<[string, number]> {
    return this.#counts.entries()
  }

  /** The mount path plus `depth` segments of what follows, found by scanning: one slice, no split array. */
  #label(mountPath: string, path: string): string {
    if (!path.startsWith(mountPath)) return mountPath
    let end = mountPath.length
    for (let kept = 0; kept < this.#depth && end < path.length; kept++) {
      const slash = path.indexOf('/', end)
      end = slash === -1 ? path.length : slash + 1
    }
    // A LIST's trailing slash, or the slash after the last kept segment, is not part of the label.
    if (end > mountPath.length && path.charCodeAt(end - 1) === SLASH) end--
    return end === path.length ? path : path.slice(0, end)
  }
}

const SLASH = 0x2f
