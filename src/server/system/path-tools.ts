// sys/tools/hash and sys/tools/random: Vault's general-purpose digest and random-bytes endpoints.
import { createHash, randomBytes } from 'node:crypto'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import { digestName } from '../../sdk/hash-algorithms.ts'
import type { LogicalResponse } from '../../sdk/request.ts'

/** Vault's ceiling on one sys/tools/random answer. */
const MAX_RANDOM_BYTES = 128 * 1024
const SOURCES = new Set(['platform', 'seal', 'all'])
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function encoding(format: string): 'hex' | 'base64' {
  if (format === 'hex' || format === 'base64') return format
  throw new InvalidRequestError(`unsupported encoding format "${format}"; must be "hex" or "base64"`)
}

function hash(
  input: { input?: string; algorithm?: string; format?: string },
  urlAlgorithm?: string,
): LogicalResponse {
  const text = input.input ?? ''
  // Node's decoder skips what is not base64; Vault's refuses it, and a digest of half the input would mislead.
  if (!STRICT_BASE64.test(text)) throw new InvalidRequestError('unable to decode input as base64')
  const format = encoding(input.format ?? 'hex')
  const algorithm = urlAlgorithm ?? input.algorithm ?? 'sha2-256'
  // Vault's sys/tools/hash offers the SHA-2 and SHA-3 families only.
  if (algorithm === 'sha1') throw new InvalidRequestError(`unsupported algorithm ${algorithm}`)
  return {
    data: { sum: createHash(digestName(algorithm)).update(Buffer.from(text, 'base64')).digest(format) },
  }
}

/** A byte count from the URL: digits only, so "12abc" is refused rather than read as 12. */
function urlCount(raw: string): number {
  if (!/^-?\d+$/.test(raw)) throw new InvalidRequestError(`error parsing url-set byte count: "${raw}"`)
  return Number(raw)
}

function random(
  input: { bytes?: number; format?: string; source?: string },
  params: Record<string, string | undefined>,
): LogicalResponse {
  let source = 'platform'
  let bytes = input.bytes ?? 32
  // As Vault: tools/random/<n> is a count, tools/random/<source> a source, tools/random/<source>/<n> both (a
  // body's source counts as the path's; a path parameter fills the field of its name).
  const first = params['source'] ?? input.source
  const second = params['urlbytes']
  if (first !== undefined && second !== undefined) {
    source = first
    bytes = urlCount(second)
  } else if (first !== undefined) {
    if (SOURCES.has(first)) source = first
    else bytes = urlCount(first)
  }
  if (bytes < 1) throw new InvalidRequestError("'bytes' cannot be less than 1")
  if (bytes > MAX_RANDOM_BYTES)
    throw new InvalidRequestError(`'bytes' should be less than ${MAX_RANDOM_BYTES}`)
  const format = encoding(input.format ?? 'base64')
  if (!SOURCES.has(source)) {
    throw new InvalidRequestError(
      `unsupported entropy source "${source}"; must be "platform" or "seal", or "all"`,
    )
  }
  // Coffer's seals offer no entropy of their own: every source is the platform's CSPRNG, as Vault without one.
  const response: LogicalResponse = { data: { random_bytes: randomBytes(bytes).toString(format) } }
  if (source === 'seal')
    response.warnings = ['no seal/entropy augmentation available, using platform entropy source']
  return response
}

const hashFields = { input: f.string(), algorithm: f.string(), format: f.string() }
const randomFields = { bytes: f.int(), format: f.string(), source: f.string() }

export function toolsPaths() {
  return [
    definePath({
      pattern: 'tools/hash',
      fields: hashFields,
      help: 'A digest of base64 input (sha2-224 to sha3-512; sha2-256 unless told).',
      operations: { update: ({ input }) => hash(input) },
    }),
    definePath({
      pattern: 'tools/hash/:urlalgorithm',
      fields: hashFields,
      help: 'A digest of base64 input with the algorithm named in the path.',
      operations: { update: ({ input, params }) => hash(input, params['urlalgorithm']) },
    }),
    definePath({
      pattern: 'tools/random',
      fields: randomFields,
      help: 'Random bytes, base64 or hex (32 unless told, at most 131072).',
      operations: { update: ({ input, params }) => random(input, params) },
    }),
    definePath({
      pattern: 'tools/random/:source',
      fields: randomFields,
      help: 'Random bytes: the path names a byte count or an entropy source.',
      operations: { update: ({ input, params }) => random(input, params) },
    }),
    definePath({
      pattern: 'tools/random/:source/:urlbytes',
      fields: randomFields,
      help: 'Random bytes from the named entropy source, as many as the path says.',
      operations: { update: ({ input, params }) => random(input, params) },
    }),
  ]
}
