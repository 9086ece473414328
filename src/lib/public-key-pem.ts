// One PEM public key (SPKI) or certificate, read as Vault's auth methods read their configured signing keys.
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto'

/** Why a PEM entry was refused; the message never quotes the entry, which may be a private key. */
export class PublicKeyPemError extends Error {}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\s]*?)-----END \1-----/

/**
 * The public key in `pem`: a PUBLIC KEY block or a CERTIFICATE (its subject key). Node's createPublicKey would
 * also take a private key and derive its public half, so an operator pasting a private key would have it stored
 * and shown back on every config read; Vault refuses it, and so does this. With `strict` (the jwt method), text
 * after the block is refused as Vault does, so a second key (perhaps private) cannot ride along unnoticed.
 */
export function parsePublicKeyPem(pem: string, opts: { strict: boolean }): KeyObject {
  // Anywhere in the entry, even after a valid public key where trailing text is otherwise tolerated.
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem))
    throw new PublicKeyPemError('a private key was given where a public key is expected; give its public key')
  const match = BLOCK.exec(pem)
  if (!match) throw new PublicKeyPemError('data does not contain any valid public keys')
  if (opts.strict && pem.slice(match.index + match[0].length).trim() !== '')
    throw new PublicKeyPemError('unexpected trailing data after parsed PEM block')
  const der = Buffer.from(match[2]!.replace(/\s/g, ''), 'base64')
  try {
    // PKCS#1 RSA PUBLIC KEY blocks are a public key too; Node reads them, and refusing them would gain nothing.
    return createPublicKey({
      key: der,
      format: 'der',
      type: match[1] === 'RSA PUBLIC KEY' ? 'pkcs1' : 'spki',
    })
  } catch {}
  try {
    return new X509Certificate(der).publicKey
  } catch {}
  throw new PublicKeyPemError('data does not contain any valid public keys')
}
