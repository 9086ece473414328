// For the signing tests: the openssl command line as an outside signer and verifier, over files in a temporary folder.
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Runs openssl; true when it exits 0 (a verification that fails exits 1). */
export function openssl(args: string[]): boolean {
  try {
    execFileSync('openssl', args, { stdio: 'pipe' })
    return true
  } catch {
    return false
  }
}

/**
 * OpenSSL's verdict on `sigFile` as a signature of the digest in `digestFile` (pkeyutl verifies the digest as
 * given, hashing nothing); `options` adds -pkeyopt settings (padding, salt length, digest).
 */
export function opensslVerifiesDigest(
  pubFile: string,
  digestFile: string,
  sigFile: string,
  options: string[] = [],
): boolean {
  return openssl([
    'pkeyutl',
    '-verify',
    '-pubin',
    '-inkey',
    pubFile,
    '-in',
    digestFile,
    '-sigfile',
    sigFile,
    ...options,
  ])
}

/** A temporary folder: `file` writes bytes under a fresh name and returns its path; `remove` deletes it all. */
export function scratch(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {
    file(bytes: Buffer | string): string {
      const path = join(dir, crypto.randomUUID())
      writeFileSync(path, bytes)
      return path
    },
    /** What openssl writes to `-out` of a run that must succeed. */
    output(args: string[]): Buffer {
      const out = join(dir, crypto.randomUUID())
      execFileSync('openssl', [...args, '-out', out], { stdio: 'pipe' })
      return readFileSync(out)
    },
    remove(): void {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The bytes of a `vault:v<N>:` signature: base64, or base64url for JWS marshaling. */
export function signatureBytes(value: unknown): Buffer {
  return Buffer.from(String(value).split(':')[2] ?? '', 'base64')
}
