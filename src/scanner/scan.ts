// One scan from options to findings: config, engine, files/stdin/git source, suppression and baseline.
import { stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { readBaseline } from './baseline.ts'
import { Allowlist, CONFIG_FILE, loadConfig } from './config.ts'
import { ScanEngine } from './engine.ts'
import { scanGitHistory, scanStaged } from './git.ts'
import { defaultPoolSize, scanInPool } from './pool.ts'
import type { CandidateMatcher, Finding } from './types.ts'
import { listFiles, readTextSync } from './walk.ts'

export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
/** Below this many bytes of files, starting worker threads costs more than it saves. */
export const POOL_THRESHOLD = 8 * 1024 * 1024

export interface ScanRequest {
  /** Files or folders; "-" reads `stdin`. With `git` or `staged`, the first path is the repository. */
  paths: string[]
  mode: 'files' | 'git' | 'staged'
  stdin?: () => Promise<string>
  gitignore?: boolean
  configPath?: string
  baselinePath?: string
  maxFileSize?: number
  matchers?: CandidateMatcher[]
  /**
   * Worker threads for folders: 0 scans on this thread; unset picks one per core (at least two) when
   * the files add up to POOL_THRESHOLD or more. Matchers are functions and cannot cross threads, so a
   * scan with matchers always runs here.
   */
  workers?: number
  onProgress?: (done: number, total: number, files: number) => void
}

export interface ScanResult {
  findings: Finding[]
  /** Findings left out because the baseline, the config or an allow marker accepted them. */
  suppressed: number
  filesScanned: number
  bytesScanned: number
  filesSkipped: number
  engine: ScanEngine
}

export async function runScan(request: ScanRequest): Promise<ScanResult> {
  const root =
    request.mode === 'files' ? (request.paths.find((p) => p !== '-') ?? '.') : (request.paths[0] ?? '.')
  const configPath =
    request.configPath ?? join(request.mode === 'files' ? await rootFolder(root) : root, CONFIG_FILE)
  const config = await loadConfig(configPath, request.configPath !== undefined)
  const engine = new ScanEngine({
    disabledRules: config.rules,
    ...(request.matchers ? { matchers: request.matchers } : {}),
  })
  const allow = new Allowlist(config)
  const baseline = request.baselinePath ? await readBaseline(request.baselinePath) : new Set<string>()
  let all: Finding[] = []
  let filesScanned = 0
  let bytesScanned = 0
  let filesSkipped = 0
  if (request.mode === 'git') {
    all = await scanGitHistory(engine, root, (n) => {
      bytesScanned += n
      request.onProgress?.(bytesScanned, 0, 0)
    })
  } else if (request.mode === 'staged') {
    all = await scanStaged(engine, root)
  } else {
    for (const path of request.paths.length === 0 ? ['.'] : request.paths) {
      if (path === '-') {
        const text = (await request.stdin?.()) ?? ''
        all.push(...engine.scanText(text, '-', { kind: 'text' }))
        filesScanned++
        bytesScanned += Buffer.byteLength(text)
        continue
      }
      const listed = await listFiles(path, {
        gitignore: request.gitignore ?? true,
        exclude: allow.paths,
        maxFileSize: request.maxFileSize ?? config.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
      })
      filesSkipped += listed.skipped
      const total = listed.files.reduce((n, f) => n + f.size, 0)
      let done = 0
      const found: Finding[][] = []
      const workers =
        request.matchers && request.matchers.length > 0
          ? 0
          : (request.workers ?? (total >= POOL_THRESHOLD ? defaultPoolSize() : 0))
      if (workers > 0) {
        const f = await scanInPool(listed.files, {
          size: workers,
          disabledRules: config.rules ?? [],
          onBatch: (files, skipped) => {
            files.forEach((file, i) => {
              done += file.size
              if (skipped.has(i)) filesSkipped++
              else {
                filesScanned++
                bytesScanned += file.size
              }
            })
            request.onProgress?.(done, total, filesScanned)
          },
        })
        found.push(f)
      } else {
        let lastYield = performance.now()
        for (const file of listed.files) {
          const text = readTextSync(file.path)
          done += file.size
          if (text === undefined) filesSkipped++
          else {
            filesScanned++
            bytesScanned += file.size
            const f = engine.scanText(text, file.display)
            if (f.length > 0) found.push(f)
          }
          request.onProgress?.(done, total, filesScanned)
          // Let timers and I/O of an embedding program run between files.
          if (performance.now() - lastYield > 50) {
            await new Promise((resolve) => setImmediate(resolve))
            lastYield = performance.now()
          }
        }
      }
      // Worker threads finish in any order: sort so the report is the same on every run.
      all.push(...found.flat().sort(byPlace))
    }
  }
  const findings = all.filter((f) => !allow.allows(f) && !baseline.has(f.fingerprint))
  return {
    findings,
    suppressed: all.length - findings.length,
    filesScanned,
    bytesScanned,
    filesSkipped,
    engine,
  }
}

/** Path, then line, then column: one file's findings keep their order, files come sorted. */
function byPlace(a: Finding, b: Finding): number {
  return a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column
}

/** The folder a config file is looked up in: the scanned folder itself, or a scanned file's folder. */
async function rootFolder(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined)
  return info?.isFile() ? dirname(path) : path
}
