// One scan from options to findings: config, engine, files/stdin/git source, suppression and baseline.
import { stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { readBaseline } from './baseline.ts'
import { Allowlist, CONFIG_FILE, loadConfig } from './config.ts'
import { ScanEngine } from './engine.ts'
import { scanGitHistory, scanStaged } from './git.ts'
import type { CandidateMatcher, Finding } from './types.ts'
import { listFiles, readAllFiles } from './walk.ts'

export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024

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
  concurrency?: number
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
      await readAllFiles(listed.files, request.concurrency ?? 16, (file, text) => {
        done += file.size
        if (text === undefined) filesSkipped++
        else {
          filesScanned++
          bytesScanned += file.size
          const f = engine.scanText(text, file.display)
          if (f.length > 0) found.push(f)
        }
        request.onProgress?.(done, total, filesScanned)
      })
      all.push(...found.flat().sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line))
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

/** The folder a config file is looked up in: the scanned folder itself, or a scanned file's folder. */
async function rootFolder(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined)
  return info?.isFile() ? dirname(path) : path
}
