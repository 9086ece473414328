// Finds where the seqs missing at a gap in an audit log turn up later in the file, without rescanning the file.

/** A parsed line, or one that could not be parsed (and carries no seq). */
export type IndexedLine = { seq: number } | { error: string }

/**
 * The parsed lines sorted by seq, to find which of a gap's seqs turn up later in the file. Scanning the rest
 * of the file at every gap made a log with every other line deleted cost time quadratic in its length. The
 * chain's expected seq only grows, so successive gaps are disjoint ranges and together visit each line once.
 */
export class SeqIndex {
  #sorted: { seq: number; index: number }[] | undefined
  readonly #lines: readonly IndexedLine[]

  constructor(lines: readonly IndexedLine[]) {
    this.#lines = lines
  }

  /** Seqs in [from, to) carried by lines at or after index `startIndex`, in file order. */
  laterSeqsIn(startIndex: number, from: number, to: number): number[] {
    const sorted = this.#sort()
    let low = 0
    let high = sorted.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (sorted[middle]!.seq < from) low = middle + 1
      else high = middle
    }
    const found: { seq: number; index: number }[] = []
    for (let k = low; k < sorted.length && sorted[k]!.seq < to; k++)
      if (sorted[k]!.index >= startIndex) found.push(sorted[k]!)
    return found.sort((a, b) => a.index - b.index).map((entry) => entry.seq)
  }

  #sort(): { seq: number; index: number }[] {
    if (this.#sorted === undefined) {
      this.#sorted = []
      this.#lines.forEach((line, index) => {
        if (!('error' in line)) this.#sorted!.push({ seq: line.seq, index })
      })
      this.#sorted.sort((a, b) => a.seq - b.seq || a.index - b.index)
    }
    return this.#sorted
  }
}
