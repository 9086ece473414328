// random[/:source][/:bytes] and hash[/:algorithm]: keyless helpers with Vault's parameters and answers.
import crypto from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath, type HandlerContext } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { digestName } from '../../../sdk/hash-algorithms.ts'
import type { LogicalResponse } from '../../../sdk/request.ts'
import { inputError, requireBase64 } from './encoding.ts'
import type { TransitState } from './state.ts'

const MAX_RANDOM_BYTES = 128 * 1024
/** Every source is the platform's CSPRNG here: there is no seal device to draw from. */
const SOURCES = new Set(['platform', 'seal', 'all'])

const randomFields = {
  source: f.string({ description: 'platform, seal or all (all the platform CSPRNG here).' }),
  urlbytes: f.string({ description: 'The byte count, in the path.' }),
  bytes: f.int({ default: 32, description: 'How many random bytes.' }),
  format: f.string({ default: 'base64', description: 'base64 or hex.' }),
}

function encode(bytes: Buffer, format: string): string {
  if (format !== 'hex' && format !== 'base64')
    throw new InvalidRequestError(`unsupported encoding format "${format}"; must be "hex" or "base64"`)
  return bytes.toString(format)
}

function randomBytes({ input, params }: HandlerContext<typeof randomFields, TransitState>): LogicalResponse {
  const source = params['source']
  const urlBytes = params['urlbytes']
  let count = input.bytes ?? 32
  if (source !== undefined && urlBytes === undefined && !SOURCES.has(source)) {
    // random/128: the one segment is the byte count, as Vault reads it.
    if (!/^\d+$/.test(source)) throw new InvalidRequestError(`error parsing url-set byte count: ${source}`)
    count = Number(source)
  } else if (urlBytes !== undefined) {
    if (!/^\d+$/.test(urlBytes))
      throw new InvalidRequestError(`error parsing url-set byte count: ${urlBytes}`)
    count = Number(urlBytes)
  }
  if (source !== undefined && urlBytes !== undefined && !SOURCES.has(source))
    throw new InvalidRequestError(
      `unsupported entropy source "${source}"; must be "platform", "seal" or "all"`,
    )
  if (count < 1) throw new InvalidRequestError('"bytes" cannot be less than 1')
  if (count > MAX_RANDOM_BYTES)
    throw new InvalidRequestError(`"bytes" should be less than ${MAX_RANDOM_BYTES}`)
  return { data: { random_bytes: encode(crypto.randomBytes(count), input.format ?? 'base64') } }
}

export const randomPaths = ['random', 'random/:source', 'random/:source/:urlbytes'].map((pattern) =>
  definePath<typeof randomFields, TransitState>({
    pattern,
    fields: randomFields,
    help: 'Random bytes from the server.',
    operations: { update: randomBytes },
  }),
)

const hashFields = {
  urlalgorithm: f.string({ description: 'The algorithm, in the path.' }),
  algorithm: f.string({ default: 'sha2-256', description: 'sha2-224/256/384/512 or sha3-224/256/384/512.' }),
  input: f.string({ required: true, description: 'Base64 input.' }),
  format: f.string({ default: 'hex', description: 'hex or base64.' }),
}

function hash({ input, params }: HandlerContext<typeof hashFields, TransitState>): LogicalResponse {
  const algorithm = params['urlalgorithm'] ?? input.algorithm ?? 'sha2-256'
  const bytes = requireBase64(input.input ?? '', inputError)
  const format = input.format ?? 'hex'
  if (format !== 'hex' && format !== 'base64')
    throw new InvalidRequestError(`unsupported encoding format ${format}; must be "hex" or "base64"`)
  if (algorithm === 'sha1') throw new InvalidRequestError(`unsupported hash algorithm ${algorithm}`)
  let digest: string
  try {
    digest = digestName(algorithm)
  } catch {
    throw new InvalidRequestError(`unsupported hash algorithm ${algorithm}`)
  }
  return { data: { sum: crypto.createHash(digest).update(bytes).digest(format) } }
}

export const hashPaths = ['hash', 'hash/:urlalgorithm'].map((pattern) =>
  definePath<typeof hashFields, TransitState>({
    pattern,
    fields: hashFields,
    help: 'Hashes base64 input.',
    operations: { update: hash },
  }),
)
