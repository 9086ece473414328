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

  #scan(input: Buffer, final: boolean): Buffer {
    const out: Buffer[] = []
    let emittedTo = 0
    let i = 0
    this.#carry = Buffer.alloc(0)
    scanning: while (i < input.length) {
      for (const secret of this.#secrets) {
        if (input[i] !== secret[0]) continue
        const available = input.length - i
        if (available >= secret.length) {
          if (input.compare(secret, 0, secret.length, i, i + secret.length) === 0) {
            out.push(input.subarray(emittedTo, i), MASK)
            i += secret.length
            emittedTo = i
            continue scanning
          }
        } else if (!final && input.compare(secret, 0, available, i, input.length) === 0) {
          // A value at least as long as any later candidate may still complete here: masking a shorter one now
          // would print the rest of the longer one, so wait for more bytes.
          this.#carry = Buffer.from(input.subarray(i))
          out.push(input.subarray(emittedTo, i))
          return Buffer.concat(out)
        }
      }
      i++
    }
    out.push(input.subarray(emittedTo))
    return Buffer.concat(out)
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
