// The mount's RSA-4096 wrapping key for BYOK imports: generated once on first use, kept behind the barrier.
import crypto from 'node:crypto'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { getJson, putJson } from '../../../sdk/storage.ts'
import { generatePrivateKey } from './key-types.ts'
import type { TransitState } from './state.ts'

const WRAPPING_KEY = 'wrapping_key'
/** Bytes of RSA-OAEP output from a 4096-bit key: the wrapped ephemeral AES key that opens an import. */
const RSA_4096_BYTES = 512

const HASHES: Record<string, string> = {
  SHA1: 'sha1',
  SHA224: 'sha224',
  SHA256: 'sha256',
  SHA384: 'sha384',
  SHA512: 'sha512',
}

/** The wrapping key's PKCS#8 PEM, created (once, under the lock) when the mount has none yet. */
export function wrappingKey(storage: Storage, state: TransitState): Promise<string> {
  return state.run(WRAPPING_KEY, async () => {
    const stored = await getJson<{ private_key: string }>(storage, WRAPPING_KEY)
    if (stored !== undefined) return stored.private_key
    const privateKey = await generatePrivateKey('rsa-4096')
    await putJson(storage, WRAPPING_KEY, { private_key: privateKey })
    return privateKey
  })
}

export function wrappingPublicKey(privateKey: string): string {
  return crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString()
}

/**
 * Opens Vault's import blob: RSA-OAEP(wrapping key, hash_function) of an ephemeral AES-256 key, followed by the
 * target key wrapped with that key by AES key wrap with padding (RFC 5649).
 */
export function unwrapImport(privateKey: string, ciphertext: Buffer, hashFunction: string): Buffer {
  const oaepHash = HASHES[hashFunction.toUpperCase()]
  if (oaepHash === undefined) throw new InvalidRequestError(`unknown hash function: ${hashFunction}`)
  if (ciphertext.length <= RSA_4096_BYTES) throw new InvalidRequestError('provided ciphertext is too short')
  let ephemeral: Buffer
  try {
    ephemeral = crypto.privateDecrypt(
      { key: privateKey, oaepHash, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING },
      ciphertext.subarray(0, RSA_4096_BYTES),
    )
  } catch {
    throw new InvalidRequestError('failed to decrypt the ephemeral key with the wrapping key')
  }
  if (ephemeral.length !== 32) throw new InvalidRequestError('the ephemeral key must be an AES-256 key')
  try {
    const decipher = crypto.createDecipheriv('id-aes256-wrap-pad', ephemeral, Buffer.from('A65959A6', 'hex'))
    return Buffer.concat([decipher.update(ciphertext.subarray(RSA_4096_BYTES)), decipher.final()])
  } catch {
    throw new InvalidRequestError('failed to unwrap the target key with the ephemeral key')
  }
}
