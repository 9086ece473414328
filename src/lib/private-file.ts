// Owner-only files: tokens, dev keys and the SQLite database (whose keys name paths, accessors and users in clear).

import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'

const PRIVATE_FILE_MODE = 0o600
const PRIVATE_DIR_MODE = 0o700

/**
 * Replace `file` with `contents`, readable by the owner only whatever the umask or the old file's mode. The
 * bytes go to a fresh 0600 file that is renamed over the target, so no reader ever sees them under wider
 * permissions (writing in place would expose them through an existing 0644 file until a later chmod).
 */
export function writePrivateFile(file: string, contents: string | Uint8Array): void {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, PRIVATE_FILE_MODE)
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE)
    const bytes = typeof contents === 'string' ? Buffer.from(contents) : contents
    for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at)
    fsyncSync(fd)
  } catch (error) {
    closeSync(fd)
    unlinkSync(temp)
    throw error
  }
  closeSync(fd)
  try {
    renameSync(temp, file)
  } catch (error) {
    unlinkSync(temp)
    throw error
  }
}

/**
 * Make sure `file` exists and is owner-only before a library (SQLite) opens it: created 0600 when absent (its
 * directory 0700); an existing file with group or other bits has them removed, and `warn` is told, since
 * its contents were exposed until now.
 */
export function preparePrivateFile(file: string, warn: (message: string, file: string) => void): void {
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE })
  closeSync(openSync(file, constants.O_RDWR | constants.O_CREAT, PRIVATE_FILE_MODE))
  restrictToOwner(file, warn)
}

/** Drop group and other permission bits from `file` if it exists and has any; true when it changed. */
export function restrictToOwner(file: string, warn: (message: string, file: string) => void): boolean {
  let mode: number
  try {
    mode = statSync(file).mode & 0o777
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
  if ((mode & 0o077) === 0) return false
  chmodSync(file, mode & 0o700)
  warn(
    `file was readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); now owner-only`,
    file,
  )
  return true
}
