// OpenPGP encryption of key shares and root tokens to operators' public keys, as Vault's helper/pgpkeys does it.
import { createMessage, encrypt, type Key, readKey } from 'openpgp'
import { InvalidRequestError } from '../../sdk/errors.ts'

/** At most this many characters of base64 per key: a real public key is a few kilobytes. */
const MAX_KEY_CHARS = 1 << 20

/**
 * Parse base64 binary public keys (Vault's wire form). `keybase:<user>` is refused: Vault's CLI fetches those
 * keys from keybase.io before calling the server, and Coffer reaches no network on an operator's behalf.
 */
export async function parsePgpKeys(values: readonly unknown[], field: string): Promise<Key[]> {
  const keys: Key[] = []
  for (const [index, value] of values.entries()) {
    if (typeof value !== 'string' || value.trim() === '')
      throw new InvalidRequestError(`${field}[${index}] must be a base64-encoded OpenPGP public key`)
    const text = value.trim()
    if (text.startsWith('keybase:')) {
      throw new InvalidRequestError(
        `${field}[${index}]: keybase: keys are not supported (Coffer fetches nothing from keybase.io); export the key with "gpg --export <id> | base64" and pass that`,
      )
    }
    if (text.length > MAX_KEY_CHARS || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(text))
      throw new InvalidRequestError(`${field}[${index}]: error decoding given PGP key: not base64`)
    let key: Key
    try {
      key = await readKey({ binaryKey: Buffer.from(text, 'base64') })
    } catch (error) {
      throw new InvalidRequestError(
        `${field}[${index}]: error parsing given PGP key: ${(error as Error).message}`,
        { cause: error },
      )
    }
    if (key.isPrivate())
      throw new InvalidRequestError(`${field}[${index}] is a private key; pass the public key only`)
    // Fail here rather than half-way through encrypting shares, when the key cannot receive messages.
    try {
      await key.getEncryptionKey()
    } catch (error) {
      throw new InvalidRequestError(`${field}[${index}]: the PGP key has no usable encryption subkey`, {
        cause: error,
      })
    }
    keys.push(key)
  }
  return keys
}

/** The primary key's fingerprint in lowercase hex, as Vault reports pgp_fingerprints. */
export function pgpFingerprint(key: Key): string {
  return key.getFingerprint().toLowerCase()
}

/** Encrypt each plaintext to the key at the same index; each result is a binary OpenPGP message. */
export async function encryptToKeys(
  plaintexts: readonly Uint8Array[],
  keys: readonly Key[],
): Promise<{ fingerprints: string[]; messages: Uint8Array[] }> {
  if (plaintexts.length !== keys.length)
    throw new Error('mismatch between number items to encrypt and number of PGP keys')
  const messages: Uint8Array[] = []
  for (const [index, plaintext] of plaintexts.entries()) {
    const message = await createMessage({ binary: plaintext, format: 'binary' })
    messages.push(await encrypt({ message, encryptionKeys: keys[index]!, format: 'binary' }))
  }
  return { fingerprints: keys.map(pgpFingerprint), messages }
}

/** Key shares for operators, as Vault encrypts them: the plaintext of each message is the share in hex. */
export async function encryptShares(
  shares: readonly Uint8Array[],
  keys: readonly Key[],
): Promise<{ fingerprints: string[]; messages: Uint8Array[] }> {
  return encryptToKeys(
    shares.map((share) => Buffer.from(Buffer.from(share).toString('hex'))),
    keys,
  )
}
