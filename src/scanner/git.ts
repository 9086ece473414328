// Git sources: the whole history as one `git log -p --all` stream, and the staged diff for pre-commit.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { ScanEngine } from './engine.ts'
import type { Finding } from './types.ts'

export class GitError extends Error {}

interface CommitInfo {
  commit: string
  author: string
  email: string
  date: string
}

/** Parses unified diffs (-U0) and scans the added lines of each file, file by file. */
class DiffScanner {
  #path: string | undefined
  #lines: string[] = []
  #lineMap: number[] = []
  #next = 0
  #inHunk = false
  commit: CommitInfo | undefined
  readonly engine: ScanEngine
  readonly onFindings: (findings: Finding[], commit: CommitInfo | undefined) => void
  constructor(engine: ScanEngine, onFindings: (findings: Finding[], commit: CommitInfo | undefined) => void) {
    this.engine = engine
    this.onFindings = onFindings
  }

  line(line: string): void {
    if (line.startsWith('\x01')) {
      this.flush()
      const [commit, author, email, date] = line.slice(1).split('\x00')
      this.commit = { commit: commit ?? '', author: author ?? '', email: email ?? '', date: date ?? '' }
      this.#inHunk = false
      return
    }
    if (line.startsWith('diff --git ')) {
      this.flush()
      this.#path = undefined
      this.#inHunk = false
      return
    }
    if (!this.#inHunk) {
      if (line.startsWith('+++ '))
        this.#path = line === '+++ /dev/null' ? undefined : unquote(line.slice(4)).replace(/^b\//, '')
      else if (line.startsWith('@@')) this.#hunk(line)
      return
    }
    if (line.startsWith('@@')) this.#hunk(line)
    else if (line.startsWith('+')) {
      if (this.#path !== undefined) {
        this.#lines.push(line.slice(1))
        this.#lineMap.push(this.#next)
      }
      this.#next++
    }
  }

  #hunk(line: string): void {
    const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line)
    if (!m) return
    this.#inHunk = true
    this.#next = Number(m[1])
  }

  flush(): void {
    if (this.#path !== undefined && this.#lines.length > 0) {
      const findings = this.engine.scanText(`${this.#lines.join('\n')}\n`, this.#path, {
        lineMap: this.#lineMap,
      })
      if (findings.length > 0) this.onFindings(findings, this.commit)
    }
    this.#lines = []
    this.#lineMap = []
  }
}

/** Git quotes paths with unusual bytes as C strings. */
function unquote(path: string): string {
  if (!path.startsWith('"')) return path
  try {
    return JSON.parse(path) as string
  } catch {
    return path.slice(1, -1)
  }
}

async function streamGit(
  cwd: string,
  args: string[],
  scanner: DiffScanner,
  onBytes?: (bytes: number) => void,
): Promise<void> {
  const child = spawn('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  if (onBytes) child.stdout.on('data', (chunk: Buffer) => onBytes(chunk.length))
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', (error) => reject(new GitError(`cannot run git: ${error.message}`)))
    child.on('close', (code) => resolve(code ?? 1))
  })
  const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY })
  for await (const line of lines) scanner.line(line)
  scanner.flush()
  const code = await exited
  if (code !== 0)
    throw new GitError(`git ${args[0]} failed: ${stderr.trim().split('\n')[0] ?? `exit ${code}`}`)
}

/**
 * Every commit on every ref. A secret added once and removed later is still reported, with the commit,
 * author and date that introduced it (the oldest commit that added that secret to that path).
 */
export async function scanGitHistory(
  engine: ScanEngine,
  cwd: string,
  onBytes?: (bytes: number) => void,
): Promise<Finding[]> {
  const byKey = new Map<string, Finding>()
  const scanner = new DiffScanner(engine, (findings, info) => {
    for (const f of findings) {
      const key = `${f.ruleId}\0${f.path}\0${f.secret}`
      // git log lists newest first, so a later sighting is an older commit: the one that introduced it.
      byKey.set(key, { ...f, ...info })
    }
  })
  await streamGit(
    cwd,
    [
      'log',
      '-p',
      '--all',
      '-U0',
      '--no-color',
      '--no-ext-diff',
      '--no-textconv',
      '--format=%x01%H%x00%an%x00%ae%x00%aI',
    ],
    scanner,
    onBytes,
  )
  return [...byKey.values()].sort(
    (a, b) => (a.date ?? '').localeCompare(b.date ?? '') || a.path.localeCompare(b.path),
  )
}

/** The lines added in the index (what `git commit` would record), with their line numbers in the staged file. */
export async function scanStaged(engine: ScanEngine, cwd: string): Promise<Finding[]> {
  const out: Finding[] = []
  const scanner = new DiffScanner(engine, (findings) => out.push(...findings))
  await streamGit(
    cwd,
    ['diff', '--cached', '-U0', '--no-color', '--no-ext-diff', '--no-textconv', '--diff-filter=ACMR'],
    scanner,
  )
  return out
}
