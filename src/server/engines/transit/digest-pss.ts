// RSA-PSS signatures over a digest the caller computed: node-forge's EMSA-PSS encoding, Node's hashes and RSA.
import crypto from 'node:crypto'
import forge from 'node-forge'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { digestLength } from './digest-signing.ts'
import { checkSaltLength, maxSaltLength, SALT_AUTO, SALT_HASH } from './pss-salt.ts'

/**
 * Node signs only what it hashes itself, so the PSS encoding of a given digest (RFC 8017, 9.1) comes from forge and
 * only the raw RSA operation from Node (OpenSSL's blinded, constant-time private key operation): a PSS signature is
 * the private operation on the encoded block, which is what privateDecrypt without padding computes.
 */

type ForgeDigest = {
  algorithm: string
  digestLength: number
  blockLength: number
  start(): ForgeDigest
  update(bytes: string): ForgeDigest
  digest(): forge.util.ByteStringBuffer
}

/** A forge message digest running Node's hash `name` (forge has neither SHA-224 nor SHA-3); forge uses latin1 strings. */
function nodeDigest(name: string): ForgeDigest {
  let hash = crypto.createHash(name)
  const md: ForgeDigest = {
    algorithm: name,
    digestLength: digestLength(name),
    blockLength: 0,
    start() {
      hash = crypto.createHash(name)
      return md
    },
    update(bytes: string) {
      hash.update(Buffer.from(bytes, 'latin1'))
      return md
    },
    digest() {
      return forge.util.createBuffer(hash.copy().digest().toString('latin1'))
    },
  }
  return md
}

/** What forge's encoder reads the message digest from: the caller's digest, as is. */
function givenDigest(digest: Buffer): { digest(): forge.util.ByteStringBuffer } {
  return { digest: () => forge.util.createBuffer(digest.toString('latin1')) }
}

function modulusBits(key: crypto.KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength
  if (bits === undefined) throw new Error('not an RSA key')
  return bits
}

/** The salt bytes for a Go salt length, after Vault's range check: auto signs with the largest salt. */
function saltBytes(saltLength: number, bits: number, hashBytes: number): number {
  checkSaltLength(saltLength, bits, hashBytes)
  if (saltLength === SALT_AUTO) return maxSaltLength(bits, hashBytes)
  if (saltLength === SALT_HASH) return hashBytes
  return saltLength
}

function checkDigest(hash: string, digest: Buffer): number {
  const bytes = digestLength(hash)
  if (digest.length !== bytes)
    throw new InvalidRequestError(`the prehashed input must be a ${bytes}-byte ${hash} digest`)
  return bytes
}

function scheme(hash: string, saltLength: number) {
  return forge.pss.create({
    md: nodeDigest(hash),
    mgf: forge.mgf.mgf1.create(nodeDigest(hash)),
    saltLength,
    prng: { getBytesSync: (count: number) => crypto.randomBytes(count).toString('latin1') },
  })
}

/** Signs `digest` (of Node's algorithm `hash`) with a salt of `saltLength` (Go's numbers: 0 auto, -1 hash). */
export function signDigestPss(
  privateKey: crypto.KeyObject,
  hash: string,
  digest: Buffer,
  saltLength: number,
): Buffer {
  const hashBytes = checkDigest(hash, digest)
  const bits = modulusBits(privateKey)
  const salt = saltBytes(saltLength, bits, hashBytes)
  const encoded = Buffer.from(scheme(hash, salt).encode(givenDigest(digest), bits) as string, 'latin1')
  // The encoded block is one byte shorter than the modulus when its bit length is 1 mod 8 (RFC 8017, 8.1.1).
  const block = Buffer.concat([Buffer.alloc(Math.ceil(bits / 8) - encoded.length), encoded])
  return crypto.privateDecrypt({ key: privateKey, padding: crypto.constants.RSA_NO_PADDING }, block)
}

/** The encoded block a signature opens to with the public key, or undefined for a signature of the wrong shape. */
function opened(publicKey: crypto.KeyObject, bits: number, signature: Buffer): string | undefined {
  const modulusBytes = Math.ceil(bits / 8)
  // A signature is exactly as long as the modulus (RFC 8017, 8.1.2 step 1).
  if (signature.length !== modulusBytes) return undefined
  let block: Buffer
  try {
    block = crypto.publicDecrypt({ key: publicKey, padding: crypto.constants.RSA_NO_PADDING }, signature)
  } catch {
    return undefined
  }
  const encodedBytes = Math.ceil((bits - 1) / 8)
  if (block.subarray(0, modulusBytes - encodedBytes).some((byte) => byte !== 0)) return undefined
  return block.subarray(modulusBytes - encodedBytes).toString('latin1')
}

/** forge's verify reports an inconsistent encoding by throwing: that is an invalid signature. */
function verifies(hash: string, salt: number, digest: Buffer, encoded: string, bits: number): boolean {
  if (salt === 0) {
    // forge cannot check an empty salt (it takes the whole block for it); with none, the encoding is deterministic.
    const expected = Buffer.from(scheme(hash, 0).encode(givenDigest(digest), bits) as string, 'latin1')
    const given = Buffer.from(encoded, 'latin1')
    return expected.length === given.length && crypto.timingSafeEqual(expected, given)
  }
  try {
    return scheme(hash, salt).verify(digest.toString('latin1'), encoded, bits) === true
  } catch {
    return false
  }
}

/**
 * The salt length an encoded block was made with (RFC 8017, 9.1.2 steps 5 to 10 lay it out: the unmasked data block
 * is zeros, 0x01, then the salt), or undefined when it has no such layout. forge checks one given length only, so
 * for auto the length is read here and forge then verifies the block with it.
 */
function saltLengthIn(hash: string, encoded: string, bits: number): number | undefined {
  const hashBytes = digestLength(hash)
  const maskBytes = encoded.length - hashBytes - 1
  if (maskBytes < 1) return undefined
  const seed = encoded.substring(maskBytes, maskBytes + hashBytes)
  const mask: string = forge.mgf.mgf1.create(nodeDigest(hash)).generate(seed, maskBytes)
  const unusedBits = 8 * encoded.length - (bits - 1)
  for (let i = 0; i < maskBytes; i++) {
    let byte = encoded.charCodeAt(i) ^ mask.charCodeAt(i)
    if (i === 0) byte &= 0xff >> unusedBits
    if (byte !== 0) return byte === 1 ? maskBytes - i - 1 : undefined
  }
  return undefined
}

/** Whether `signature` is a PSS signature of `digest`; with a salt length of auto, of any salt length. */
export function verifyDigestPss(
  publicKey: crypto.KeyObject,
  hash: string,
  digest: Buffer,
  signature: Buffer,
  saltLength: number,
): boolean {
  const hashBytes = checkDigest(hash, digest)
  const bits = modulusBits(publicKey)
  checkSaltLength(saltLength, bits, hashBytes)
  const encoded = opened(publicKey, bits, signature)
  if (encoded === undefined) return false
  const salt =
    saltLength === SALT_AUTO ? saltLengthIn(hash, encoded, bits) : saltBytes(saltLength, bits, hashBytes)
  return salt !== undefined && verifies(hash, salt, digest, encoded, bits)
}
