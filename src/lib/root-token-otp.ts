// The one-time-pad encoding of a generated root token, as Vault's sdk/helper/roottoken does it (shared by server and CLI).
import { randomAlphanumeric } from './random.ts'

/** A fresh OTP of `length` characters: Vault ≥1.10 draws it from base62, the token's own alphabet. */
export function generateOtp(length: number): string {
  return randomAlphanumeric(length)
}

function xor(a: Uint8Array, b: Uint8Array): Buffer {
  if (a.byteLength !== b.byteLength) throw new Error('the OTP and the token must be the same length')
  const out = Buffer.alloc(a.byteLength)
  for (let i = 0; i < a.byteLength; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/** The token XORed with the OTP, unpadded standard base64 (Vault's roottoken.EncodeToken uses RawStdEncoding). */
export function encodeRootToken(token: string, otp: string): string {
  if (token === '') throw new Error('no token provided')
  if (otp === '') throw new Error('no otp provided')
  return xor(Buffer.from(otp), Buffer.from(token)).toString('base64').replace(/=+$/, '')
}

/** The inverse of encodeRootToken; padded base64 is accepted too. */
export function decodeRootToken(encoded: string, otp: string): string {
  const trimmed = encoded.trim()
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(trimmed)) throw new Error('the encoded token is not valid base64')
  const bytes = Buffer.from(trimmed, 'base64')
  if (bytes.byteLength !== Buffer.byteLength(otp)) {
    throw new Error(
      `the OTP is ${Buffer.byteLength(otp)} characters but the encoded token holds ${bytes.byteLength}; use the OTP from the same attempt`,
    )
  }
  return xor(bytes, Buffer.from(otp)).toString()
}
