// Debian's gpg in a throwaway GNUPGHOME: make an operator key pair, export the public key as Vault wants it, decrypt.
import { execFileSync } from 'node:child_process'
import { makeTempDir } from './server.ts'

export const GPG = '/usr/bin/gpg'

export interface GpgOperator {
  /** base64 of the binary public key: the form pgp_keys and root_token_pgp_key take. */
  publicKey: string
  fingerprint: string
  /** Decrypt base64 of a binary OpenPGP message; returns the plaintext. */
  decrypt(base64: string): string
  remove(): void
}

/** A fresh key pair for `name` (ed25519/cv25519, no passphrase) in its own GNUPGHOME. */
export function gpgOperator(name: string): GpgOperator {
  const home = makeTempDir('coffer-gpg-')
  const env = { ...process.env, GNUPGHOME: home.dir }
  const gpg = (args: string[], input?: Buffer) =>
    execFileSync(GPG, ['--batch', '--quiet', '--no-tty', ...args], {
      env,
      ...(input ? { input } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
  const uid = `${name} <${name}@coffer.invalid>`
  gpg(['--passphrase', '', '--quick-gen-key', uid, 'future-default', 'default', 'never'])
  const publicKey = gpg(['--export', uid]).toString('base64')
  const listing = gpg(['--with-colons', '--fingerprint', uid]).toString()
  const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(listing)![1]!.toLowerCase()
  return {
    publicKey,
    fingerprint,
    decrypt: (base64) => gpg(['--decrypt'], Buffer.from(base64, 'base64')).toString(),
    remove: () => home.remove(),
  }
}
