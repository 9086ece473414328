// A byte stream filter that replaces every secret value with *****, also when a value is split across chunks.
import { Transform, type TransformCallback } from 'node:stream'

export const MASK = Buffer.from('*****')

/**
 * The matching state: the secret values (longest first, so a value containing another is masked whole) and the
 * bytes held back because they could be the start of a value whose end has not arrived yet.
 */
export class SecretMasker {
  #secrets: Buffer[] = []
  #carry: Buffer = Buffer.alloc(0)

  constructor(values: Iterable<string>) {
    this.setValues(values)
  }

  /** Replace the set of values (after a -watch refresh); empty values are ignored: they would match everywhere. */
  setValues(values: Iterable<string>): void {
    const unique = new Set([...values].filter((value) => value !== ''))
    this.#secrets = [...unique].map((value) => Buffer.from(value)).sort((a, b) => b.length - a.length)
  }

  /** Masked output for this chunk; a possible partial value at the end is kept for the next call. */
  push(chunk: Buffer): Buffer {
    return this.#scan(Buffer.concat([this.#carry, chunk]), false)
  }

  /** Whatever was held back, masked as far as it goes: the stream has ended, so no value can complete it. */
  flush(): Buffer {
    return this.#scan(this.#carry, true)
  }

  /**
   * Mask every full match (the earliest first, the longest at one position) and, unless `final`, hold back the
   * tail from the first position where a value may start but has not ended yet. A longer value that may still
   * complete at a position wins over a shorter one complete there: masking the short one would print the rest.
   * Buffer.indexOf does the searching, so the cost stays close to a copy.
   */
  #scan(input: Buffer, final: boolean): Buffer {
    const matches: { start: number; end: number }[] = []
    for (const secret of this.#secrets) {
      for (let at = input.indexOf(secret); at !== -1; at = input.indexOf(secret, at + 1))
        matches.push({ start: at, end: at + secret.length })
    }
    matches.sort((a, b) => a.start - b.start || b.end - a.end)
    const longest = this.#secrets[0]?.length ?? 0
    const firstPartial = (from: number): number => {
      if (final) return input.length
      for (let i = Math.max(from, input.length - longest + 1); i < input.length; i++) {
        const available = input.length - i
        for (const secret of this.#secrets) {
          if (secret.length > available && input.compare(secret, 0, available, i, input.length) === 0)
            return i
        }
      }
      return input.length
    }
    const out: Buffer[] = []
    let cursor = 0
    let next = 0
    // Only a match running past the held position can move it (the partial there is then masked).
    let hold = firstPartial(0)
    for (;;) {
      if (cursor > hold) hold = firstPartial(cursor)
      while (next < matches.length && matches[next]!.start < cursor) next++
      const match = matches[next]
      if (match && match.start < hold) {
        out.push(input.subarray(cursor, match.start), MASK)
        cursor = match.end
        continue
      }
      out.push(input.subarray(cursor, hold))
      this.#carry = Buffer.from(input.subarray(hold))
      return Buffer.concat(out)
    }
  }
}

/** A Transform around a SecretMasker, for piping a child's stdout/stderr. */
export function maskingStream(masker: SecretMasker): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      const out = masker.push(chunk)
      callback(null, out.length > 0 ? out : undefined)
    },
    flush(callback: TransformCallback) {
      const out = masker.flush()
      callback(null, out.length > 0 ? out : undefined)
    },
  })
}
