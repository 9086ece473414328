// Reading -pgp-keys files into the base64 binary public keys the server takes, as Vault's PubKeyFilesFlag does.
import { readFile } from 'node:fs/promises'
import { UsageError } from './flags.ts'

const ARMOR_HEADER = '-----BEGIN PGP PUBLIC KEY BLOCK-----'

/** Go's base64.StdEncoding skips CR and LF, so a file of wrapped base64 counts as base64 there too. */
function asBase64(text: string): string | undefined {
  const compact = text.replace(/[\r\n]/g, '')
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined
  return compact
}

/** An armored file must hold exactly one key; it is sent re-serialised in binary, as Vault's CLI does. */
async function dearmor(text: string, path: string): Promise<string> {
  // Loaded only here: most commands never touch PGP and openpgp is large.
  const { readKeys } = await import('openpgp')
  let keys: Awaited<ReturnType<typeof readKeys>>
  try {
    keys = await readKeys({ armoredKeys: text })
  } catch (error) {
    throw new UsageError(`cannot read the armored PGP key in ${path}: ${(error as Error).message}`)
  }
  if (keys.length !== 1) throw new UsageError(`more than one key found in file ${path}`)
  return Buffer.from(keys[0]!.write()).toString('base64')
}

/** One file: armored, base64 text, or binary (`gpg --export`); a leading `@` is ignored as Vault ignores it. */
export async function readPgpKeyFile(entry: string): Promise<string> {
  const path = entry.startsWith('@') ? entry.slice(1) : entry
  if (path === '') throw new UsageError('empty path in -pgp-keys')
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (error) {
    throw new UsageError(
      `cannot read PGP key file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    )
  }
  const text = bytes.toString('latin1')
  if (text.includes(ARMOR_HEADER)) return dearmor(text, path)
  return asBase64(text.trim()) ?? bytes.toString('base64')
}

/**
 * A comma-separated -pgp-keys value, in order (share i is encrypted to key i). `keybase:<user>` entries are
 * refused: Vault's CLI fetches those from keybase.io, and Coffer's CLI reaches no third-party service.
 */
export async function readPgpKeyFiles(value: string, flag = '-pgp-keys'): Promise<string[]> {
  const entries = value.split(',').map((entry) => entry.trim())
  for (const entry of entries) {
    if (entry.startsWith('keybase:'))
      throw new UsageError(
        `${flag}: keybase: keys are not supported; save each key with "gpg --export <id> > file" and list the files`,
      )
  }
  const keys: string[] = []
  for (const entry of entries) keys.push(await readPgpKeyFile(entry))
  return keys
}
