// Files to scan under a set of paths: .gitignore respected, .git skipped, binaries and large files left out.
import { readFileSync } from 'node:fs'
import { open, readdir, readFile, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import ignore, { type Ignore } from 'ignore'

export interface WalkOptions {
  gitignore: boolean
  /** Paths (gitignore syntax, relative to the root) never scanned; from the config file. */
  exclude?: Ignore
  maxFileSize: number
}

export interface FileEntry {
  path: string
  /** Path relative to the scan root, with forward slashes: what findings and baselines name. */
  display: string
  size: number
}

const BINARY_EXTENSIONS = new Set(
  'png jpg jpeg gif bmp ico webp avif tiff pdf zip gz tgz bz2 xz 7z rar jar war class so dylib dll exe bin o a wasm woff woff2 ttf otf eot mp3 mp4 mov avi mkv webm ogg wav flac sqlite db pyc map'.split(
    ' ',
  ),
)

/** Every scannable file under `root` (a file or a directory), in a stable order. */
export async function listFiles(
  root: string,
  options: WalkOptions,
): Promise<{ files: FileEntry[]; skipped: number }> {
  const files: FileEntry[] = []
  let skipped = 0
  const top = await stat(root)
  const base = top.isDirectory() ? root : join(root, '..')
  const visit = async (dir: string, rules: { at: string; ig: Ignore }[]): Promise<void> => {
    let ig = rules
    if (options.gitignore) {
      const text = await readFile(join(dir, '.gitignore'), 'utf8').catch(() => undefined)
      if (text !== undefined) ig = [...rules, { at: dir, ig: ignore().add(text) }]
    }
    const entries = await readdir(dir, { withFileTypes: true })
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const kept: { path: string; display: string; isDir: boolean; binary: boolean }[] = []
    for (const entry of entries) {
      if (entry.name === '.git') continue
      const path = join(dir, entry.name)
      const isDir = entry.isDirectory()
      if (!isDir && !entry.isFile()) continue
      const ignored = ig.some(({ at, ig: one }) =>
        one.ignores(toPosix(relative(at, path)) + (isDir ? '/' : '')),
      )
      const display = toPosix(relative(base, path))
      if (ignored || options.exclude?.ignores(display + (isDir ? '/' : ''))) continue
      kept.push({ path, display, isDir, binary: !isDir && BINARY_EXTENSIONS.has(extension(entry.name)) })
    }
    // One folder's files are stat'ed together: one at a time, the walk spent most of its time waiting.
    const sizes = await Promise.all(
      kept.map((k) => (k.isDir || k.binary ? undefined : stat(k.path).then((info) => info.size))),
    )
    for (const [i, k] of kept.entries()) {
      if (k.isDir) await visit(k.path, ig)
      else if (k.binary || sizes[i]! > options.maxFileSize) skipped++
      else files.push({ path: k.path, display: k.display, size: sizes[i]! })
    }
  }
  if (top.isDirectory()) await visit(root, [])
  else files.push({ path: root, display: toPosix(relative(base, root)), size: top.size })
  return { files, skipped }
}

function extension(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot === -1 ? '' : name.slice(dot + 1).toLowerCase()
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/')
}

/** A NUL byte in the first 8 KiB marks a binary file, as git decides. */
function isBinary(buffer: Buffer): boolean {
  return buffer.subarray(0, 8192).includes(0)
}

/**
 * One file's text, or undefined when it is unreadable or binary. Synchronous on purpose: for files in the
 * page cache one read costs a third of the CPU of the promise API's open/stat/read/close round trips.
 */
export function readTextSync(path: string): string | undefined {
  let buffer: Buffer
  try {
    buffer = readFileSync(path)
  } catch {
    return undefined
  }
  return isBinary(buffer) ? undefined : buffer.toString('utf8')
}

/** Read files with up to `concurrency` reads in flight, handing each text to `onFile` in completion order. */
export async function readAllFiles(
  files: readonly FileEntry[],
  concurrency: number,
  onFile: (file: FileEntry, text: string | undefined) => void,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!
      let text: string | undefined
      try {
        const buffer = await readFile(file.path)
        text = isBinary(buffer) ? undefined : buffer.toString('utf8')
      } catch {
        text = undefined
      }
      onFile(file, text)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker))
}

/** True when `path` can be opened for reading (used to report unreadable arguments clearly). */
export async function readable(path: string): Promise<boolean> {
  try {
    await (await open(path, 'r')).close()
    return true
  } catch {
    return false
  }
}
