// ECDSA signatures over a digest the caller computed (Vault's prehashed, KMS's MessageType DIGEST), with @noble/curves.
import type crypto from 'node:crypto'
import type { ECDSA } from '@noble/curves/abstract/weierstrass.js'
import { p256, p384, p521 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { InvalidRequestError } from '../../../sdk/errors.ts'

/** `der` is ASN.1 (Vault's asn1 marshaling, KMS), `ieee-p1363` the fixed-width r || s (Vault's jws). */
export type EcdsaEncoding = 'der' | 'ieee-p1363'

const CURVES: Record<string, ECDSA> = {
  'ecdsa-p256': p256,
  'ecdsa-p384': p384,
  'ecdsa-p521': p521,
  'ecdsa-secp256k1': secp256k1,
}

function curveOf(type: string): ECDSA {
  const curve = CURVES[type]
  if (!curve) throw new InvalidRequestError(`key type ${type} is not an ECDSA type`)
  return curve
}

/**
 * The digest as ECDSA uses it: only its leftmost bits, as many as the group order has (SEC 1, 4.1.3 step 5), so a
 * longer digest is cut to the order's byte length first (what Go and OpenSSL do; noble then drops the extra bits)
 * and a shorter one is used as is. Cutting here also keeps any input length within what noble accepts.
 */
function usedDigest(curve: ECDSA, digest: Buffer): Uint8Array {
  return digest.subarray(0, curve.Point.Fn.BYTES)
}

function jwkPart(key: crypto.KeyObject, part: 'd' | 'x' | 'y'): Buffer {
  const value = key.export({ format: 'jwk' })[part]
  if (typeof value !== 'string') throw new Error(`the EC key has no ${part}`)
  return Buffer.from(value, 'base64url')
}

/**
 * Signs `digest` with an RFC 6979 deterministic nonce (any valid ECDSA signature verifies; Vault's are randomized).
 * High-S values are left as they come, as Go and OpenSSL leave them.
 */
export function signDigestEcdsa(
  type: string,
  privateKey: crypto.KeyObject,
  digest: Buffer,
  encoding: EcdsaEncoding,
): Buffer {
  const curve = curveOf(type)
  const format = encoding === 'der' ? 'der' : 'compact'
  const signature = curve.sign(usedDigest(curve, digest), jwkPart(privateKey, 'd'), {
    prehash: false,
    lowS: false,
    format,
  })
  return Buffer.from(signature)
}

/** Whether `signature` is valid for `digest`; a malformed signature is simply invalid. High-S signatures are valid. */
export function verifyDigestEcdsa(
  type: string,
  publicKey: crypto.KeyObject,
  digest: Buffer,
  signature: Buffer,
  encoding: EcdsaEncoding,
): boolean {
  const curve = curveOf(type)
  const point = Buffer.concat([Buffer.from([4]), jwkPart(publicKey, 'x'), jwkPart(publicKey, 'y')])
  const format = encoding === 'der' ? 'der' : 'compact'
  if (format === 'compact' && signature.length !== 2 * curve.Point.Fn.BYTES) return false
  try {
    return curve.verify(signature, usedDigest(curve, digest), point, { prehash: false, lowS: false, format })
  } catch {
    return false
  }
}
