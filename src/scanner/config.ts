// The scanner's config file (.coffer-scan.json): excluded paths, disabled rules, allowed regexes.
import { readFile } from 'node:fs/promises'
import ignore, { type Ignore } from 'ignore'
import type { Finding } from './types.ts'

export const CONFIG_FILE = '.coffer-scan.json'

export interface ScanConfig {
  /** gitignore-style patterns of paths never scanned. */
  paths: string[]
  /** Rule ids switched off. */
  rules: string[]
  /** Regexes matched against the secret; a match allows it. */
  regexes: string[]
  maxFileSize?: number
}

export class ConfigError extends Error {}

export function parseConfig(text: string, source: string): ScanConfig {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`${source}: not valid JSON (${(error as Error).message})`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError(`${source}: expected a JSON object`)
  const obj = raw as Record<string, unknown>
  const known = new Set(['paths', 'rules', 'regexes', 'maxFileSize'])
  for (const key of Object.keys(obj))
    if (!known.has(key)) throw new ConfigError(`${source}: unknown key "${key}"`)
  const list = (key: string): string[] => {
    const value = obj[key] ?? []
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
      throw new ConfigError(`${source}: "${key}" must be a list of strings`)
    return value as string[]
  }
  const config: ScanConfig = { paths: list('paths'), rules: list('rules'), regexes: list('regexes') }
  for (const re of config.regexes) {
    try {
      new RegExp(re)
    } catch {
      throw new ConfigError(`${source}: invalid regex ${JSON.stringify(re)}`)
    }
  }
  if (obj['maxFileSize'] !== undefined) {
    if (typeof obj['maxFileSize'] !== 'number' || obj['maxFileSize'] <= 0)
      throw new ConfigError(`${source}: "maxFileSize" must be a positive number of bytes`)
    config.maxFileSize = obj['maxFileSize']
  }
  return config
}

/** The config at `path`; a missing default file is an empty config, a missing named file an error. */
export async function loadConfig(path: string, required: boolean): Promise<ScanConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT')
      return { paths: [], rules: [], regexes: [] }
    throw new ConfigError(
      `cannot read config ${path}: ${(error as NodeJS.ErrnoException).code ?? 'read failed'}`,
    )
  }
  return parseConfig(text, path)
}

/** Suppression by config: path patterns and secret regexes. */
export class Allowlist {
  readonly paths: Ignore
  readonly #regexes: RegExp[]
  constructor(config: ScanConfig) {
    this.paths = ignore().add(config.paths)
    this.#regexes = config.regexes.map((r) => new RegExp(r))
  }
  allows(finding: Finding): boolean {
    if (finding.path !== '-' && this.paths.ignores(finding.path.replace(/^\.\//, ''))) return true
    return this.#regexes.some((re) => re.test(finding.secret))
  }
}
