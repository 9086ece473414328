// sign/:name[/:algorithm] and verify/:name[/:algorithm]: signatures with asymmetric keys, and HMAC verification.
import crypto from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import type { LogicalResponse } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { batchItems, itemInt, itemString, runBatch } from './batch.ts'
import { inputError, optionalBase64, requireBase64 } from './encoding.ts'
import { encryptionVersion } from './encryption.ts'
import { hmacBytes } from './hmac.ts'
import { supportsSigning } from './key-types.ts'
import { requireUsableKey } from './kms-state.ts'
import type { TransitKey } from './model.ts'
import { parseSaltLength } from './pss-salt.ts'
import { publicKeyText, type SignOptions, sign, verify } from './signing.ts'
import type { TransitState } from './state.ts'
import { parseVersioned } from './versioned-value.ts'

const fields = {
  name: f.string({ required: true }),
  urlalgorithm: f.string({ description: 'The hash algorithm, in the path.' }),
  hash_algorithm: f.string({
    description: 'sha2-256 (default), sha2-224/384/512, sha3-224/256/384/512, sha1.',
  }),
  algorithm: f.string({ description: 'Deprecated spelling of hash_algorithm.' }),
  input: f.string({ description: 'Base64 input.' }),
  context: f.string({ description: 'Base64 context for derived Ed25519 keys.' }),
  key_version: f.int({ description: 'sign: the version to sign with; 0 or absent means the latest.' }),
  prehashed: f.bool({
    default: false,
    description: 'The input is already a digest: of hash_algorithm for RSA, of any hash for ECDSA.',
  }),
  signature_algorithm: f.string({ default: 'pss', description: 'RSA: pss (default) or pkcs1v15.' }),
  marshaling_algorithm: f.string({ default: 'asn1', description: 'ECDSA: asn1 (default) or jws.' }),
  salt_length: f.string({
    description:
      'RSA-PSS salt: "auto" (the default: largest to sign, any to verify), "hash" or a byte count.',
  }),
  signature: f.string({ description: 'verify: the vault:v<N>: signature.' }),
  hmac: f.string({ description: 'verify: the vault:v<N>: HMAC.' }),
  batch_input: f.any({ description: 'A list of {input, context, signature|hmac, reference}.' }),
}

type Input = Record<string, unknown>

function hashAlgorithm(input: Input): string {
  const fromPath = input['urlalgorithm'] as string | undefined
  const named = (input['hash_algorithm'] as string | undefined) ?? (input['algorithm'] as string | undefined)
  return fromPath || named || 'sha2-256'
}

function signOptions(input: Input, item: Record<string, unknown>): SignOptions {
  return {
    hashAlgorithm: hashAlgorithm(input),
    prehashed: (input['prehashed'] as boolean | undefined) ?? false,
    signatureAlgorithm: (input['signature_algorithm'] as string | undefined) ?? 'pss',
    marshalingAlgorithm: (input['marshaling_algorithm'] as string | undefined) ?? 'asn1',
    saltLength: parseSaltLength(input['salt_length']),
    context: optionalBase64(itemString(item, 'context'), 'failed to base64-decode context'),
  }
}

function itemInput(item: Record<string, unknown>): Buffer {
  return requireBase64(itemString(item, 'input') ?? '', inputError)
}

function signItem(key: TransitKey, input: Input, item: Record<string, unknown>): Record<string, unknown> {
  // A batch item must carry input (an empty one is signed); a single request without input signs the empty string.
  if (item !== input && item['input'] === undefined) throw new InvalidRequestError('missing input')
  const version = encryptionVersion(
    key,
    itemInt(item, 'key_version') ?? (input['key_version'] as number | undefined),
    'signing',
  )
  const options = signOptions(input, item)
  const signature = sign(key, version, itemInput(item), options)
  // As Vault: a derived Ed25519 key signs with a key of its own per context, so the answer names that public key
  // ("publickey" in a batch item; the single answer renames it public_key).
  if (key.type === 'ed25519' && key.derived)
    return { signature, key_version: version, publickey: publicKeyText(key, version, options.context) }
  return { signature, key_version: version }
}

/** The single (non-batch) sign answer: Vault calls the derived public key public_key there. */
function singleSignAnswer(data: Record<string, unknown>): Record<string, unknown> {
  const { publickey, ...rest } = data
  return publickey === undefined ? rest : { ...rest, public_key: publickey }
}

/**
 * HMAC verification as Vault does it: the MAC bytes (not the text, so `v01` or other spellings of the same bytes
 * still match) compared in constant time; a MAC that is not base64 is the caller's error, not merely invalid.
 */
function verifyHmacItem(key: TransitKey, input: Input, item: Record<string, unknown>, hmac: string): boolean {
  const { version, payload } = parseVersioned(key, hmac, 'HMAC')
  const given = requireBase64(payload, (error) => `unable to decode verification HMAC as base64: ${error}`)
  const expected = hmacBytes(key, version, hashAlgorithm(input), itemInput(item))
  return expected.length === given.length && crypto.timingSafeEqual(expected, given)
}

function verifyItem(key: TransitKey, input: Input, item: Record<string, unknown>): Record<string, unknown> {
  // As for sign: a batch item must carry input; a single request without it verifies the empty string.
  if (item !== input && item['input'] === undefined) throw new InvalidRequestError('missing input')
  const signature = itemString(item, 'signature') ?? ''
  const hmac = itemString(item, 'hmac') ?? ''
  if (signature !== '' && hmac !== '') throw new InvalidRequestError("provide one of 'signature' or 'hmac'")
  if (signature === '' && hmac === '')
    throw new InvalidRequestError("neither a 'signature' nor an 'hmac' were given to verify")
  if (hmac !== '') return { valid: verifyHmacItem(key, input, item, hmac) }
  return { valid: verify(key, itemInput(item), signature, signOptions(input, item)) }
}

/** Vault's hash_algorithm names for sign and verify (HMAC verification has its own list). */
const SIGN_HASHES = new Set([
  'none',
  'sha1',
  'sha2-224',
  'sha2-256',
  'sha2-384',
  'sha2-512',
  'sha3-224',
  'sha3-256',
  'sha3-384',
  'sha3-512',
])

/** Whether verify checks HMACs: every item has `hmac`, or the request is refused with Vault's words. */
function verifiesHmac(input: Input): boolean {
  const given = (item: Record<string, unknown>, name: string) => (itemString(item, name) ?? '') !== ''
  if (input['batch_input'] === undefined) {
    if (given(input, 'signature') && given(input, 'hmac'))
      throw new InvalidRequestError("provide one of 'signature' or 'hmac'")
    if (!given(input, 'signature') && !given(input, 'hmac'))
      throw new InvalidRequestError("neither a 'signature' nor an 'hmac' were given to verify")
    return given(input, 'hmac')
  }
  const items = batchItems(input['batch_input'])
  const signatures = items.filter((item) => given(item, 'signature')).length
  const hmacs = items.filter((item) => !given(item, 'signature') && given(item, 'hmac')).length
  if (signatures > 0 && hmacs > 0)
    throw new InvalidRequestError(
      "elements of batch_input must all provide 'signature' or all provide 'hmac'",
    )
  const missing = items.length - signatures - hmacs
  if (missing > 0 && signatures > 0)
    throw new InvalidRequestError("some elements of batch_input are missing 'signature'")
  if (missing > 0 && hmacs > 0)
    throw new InvalidRequestError("some elements of batch_input are missing 'hmac'")
  if (missing > 0) throw new InvalidRequestError("no batch_input elements have 'signature' or 'hmac'")
  return hmacs > 0
}

function handler(
  operation: 'signing' | 'verification',
  missing: string,
  each: (key: TransitKey, input: Input, item: Record<string, unknown>) => Record<string, unknown>,
  single: (data: Record<string, unknown>) => Record<string, unknown> = (data) => data,
) {
  return async ({ storage, input }: { storage: Storage; input: Input }): Promise<LogicalResponse> => {
    // Vault checks the request before it looks the key up: HMAC verification apart, the hash and marshaling names
    // and salt_length (a malformed one fails the whole request, batch or not).
    const hmac = operation === 'verification' && verifiesHmac(input)
    const hash = hashAlgorithm(input)
    if (!hmac) {
      if (!SIGN_HASHES.has(hash)) throw new InvalidRequestError(`invalid hash algorithm "${hash}"`)
      const marshaling = (input['marshaling_algorithm'] as string | undefined) ?? 'asn1'
      if (marshaling !== 'asn1' && marshaling !== 'jws')
        throw new InvalidRequestError(`invalid marshaling type "${marshaling}"`)
    }
    parseSaltLength(input['salt_length'])
    const key = await requireUsableKey(storage, (input['name'] as string | undefined) ?? '', missing)
    if (!hmac) {
      if (!supportsSigning(key.type))
        throw new InvalidRequestError(`key type ${key.type} does not support ${operation}`)
      const prehashed = (input['prehashed'] as boolean | undefined) ?? false
      const algorithm = (input['signature_algorithm'] as string | undefined) ?? 'pss'
      if (hash === 'none' && (!prehashed || algorithm !== 'pkcs1v15'))
        throw new InvalidRequestError(
          'hash_algorithm=none requires both prehashed=true and signature_algorithm=pkcs1v15',
        )
    }
    if (input['batch_input'] !== undefined) {
      return runBatch(batchItems(input['batch_input']), (item) => each(key, input, item), undefined, true)
    }
    return { data: single(each(key, input, input)) }
  }
}

export const signPath = definePath<typeof fields, TransitState>({
  pattern: 'sign/:name',
  fields,
  help: 'Signs base64 input with the named asymmetric key.',
  operations: { update: handler('signing', 'signing key not found', signItem, singleSignAnswer) },
})

export const signAlgorithmPath = definePath<typeof fields, TransitState>({
  ...signPath,
  pattern: 'sign/:name/:urlalgorithm',
})

export const verifyPath = definePath<typeof fields, TransitState>({
  pattern: 'verify/:name',
  fields,
  help: 'Verifies a signature or an HMAC of base64 input with the named key.',
  operations: { update: handler('verification', 'signature verification key not found', verifyItem) },
})

export const verifyAlgorithmPath = definePath<typeof fields, TransitState>({
  ...verifyPath,
  pattern: 'verify/:name/:urlalgorithm',
})
