// Replace a file atomically: write a temporary file in the same directory, set its mode, then rename it over.
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * Readers see the old contents or the new, never a half-written file, and never the new contents with the old
 * (possibly wider) permissions: the mode is applied before the rename. The temporary file is created owner-only.
 */
export function writeFileAtomic(path: string, contents: string, mode: number, createDirs = false): void {
  const dir = dirname(path)
  if (createDirs) mkdirSync(dir, { recursive: true, mode: 0o755 })
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    writeFileSync(temp, contents, { mode: 0o600, flag: 'wx' })
    chmodSync(temp, mode)
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}
