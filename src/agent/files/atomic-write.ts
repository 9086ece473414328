// Replace a file atomically: write a temporary file in the same directory, set its mode, then rename it over.
import { randomBytes } from 'node:crypto'
import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/** A new file's mode when none is configured (consul-template's default). */
export const DEFAULT_FILE_MODE = 0o644

/**
 * Readers see the old contents or the new, never a half-written file, and never the new contents with the old
 * (possibly wider) permissions: the mode is applied before the rename. The temporary file is created owner-only.
 * Without a `mode`, an existing file keeps its own (as consul-template does: a file an operator made 0600 is not
 * widened), and a new one gets DEFAULT_FILE_MODE.
 */
export function writeFileAtomic(
  path: string,
  contents: string,
  mode: number | undefined,
  createDirs = false,
): void {
  const dir = dirname(path)
  if (createDirs) mkdirSync(dir, { recursive: true, mode: 0o755 })
  const finalMode = mode ?? existingMode(path) ?? DEFAULT_FILE_MODE
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    writeFileSync(temp, contents, { mode: 0o600, flag: 'wx' })
    chmodSync(temp, finalMode)
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}

/**
 * The permission bits of the regular file at `path`, or undefined when there is none. Not through a symlink: one
 * planted at the destination (and replaced by the rename) must not lend the new file its target's mode.
 */
function existingMode(path: string): number | undefined {
  try {
    const stats = lstatSync(path)
    return stats.isFile() ? stats.mode & 0o7777 : undefined
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}
