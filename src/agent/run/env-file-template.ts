// `coffer run -env-file-template`: render a template of KEY=value lines in memory and read it as variables.
import { readFileSync } from 'node:fs'
import type { VaultClient } from '../../client/index.ts'
import { SecretReader } from '../render/secret-reader.ts'
import { executeTemplate, parseTemplate } from '../template/index.ts'
import type { Node } from '../template/parse.ts'

export class EnvFileError extends Error {}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Parse dotenv lines: `KEY=value`, `export KEY=value`, "double quoted" (with \n, \t, \" and \\ escapes) or
 * 'single quoted' values; blank lines and # comments are skipped. Errors give the line number, never its text.
 */
export function parseDotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {}
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '').trim()
    if (line === '' || line.startsWith('#')) return
    const body = line.startsWith('export ') ? line.slice(7).trimStart() : line
    const eq = body.indexOf('=')
    const name = eq === -1 ? '' : body.slice(0, eq).trim()
    if (!ENV_NAME.test(name))
      throw new EnvFileError(`line ${index + 1} of the rendered env file is not KEY=value`)
    let value = body.slice(eq + 1).trim()
    if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) value = value.slice(1, -1)
    else if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value
        .slice(1, -1)
        .replace(
          /\\([nrt"\\])/g,
          (_m, ch: string) => ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' })[ch]!,
        )
    vars[name] = value
  })
  return vars
}

/**
 * What an action prints, escaped for a double-quoted value: a secret holding a line break or a quote cannot end its
 * line or its quotes and so add variables of its own choosing (NODE_OPTIONS, LD_PRELOAD...). `KEY="{{ ... }}"`
 * gives the child the value exactly, multi-line ones included.
 */
export function dotenvEscape(text: string): string {
  return text.replace(/[\\"\n\r]/g, (ch) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r' })[ch]!)
}

/** The template, parsed once; each render reads its secrets afresh (leased ones are kept until two thirds in). */
export class EnvFileTemplate {
  readonly #nodes: Node[]
  readonly #reader: SecretReader
  readonly #env: Record<string, string | undefined>

  constructor(client: VaultClient, file: string, env: Record<string, string | undefined>) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      throw new EnvFileError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
    }
    try {
      this.#nodes = parseTemplate(text)
    } catch (error) {
      throw new EnvFileError(`${file}: ${(error as Error).message}`)
    }
    this.#reader = new SecretReader(client)
    this.#env = env
  }

  get leaseIds(): string[] {
    return this.#reader.leaseIds
  }

  /** Render and parse; a missing key is an error here, as a missing -secret field is. */
  async render(): Promise<Record<string, string>> {
    this.#reader.newCycle()
    const text = await executeTemplate(
      this.#nodes,
      {},
      {
        errorOnMissingKey: true,
        escapeOutput: dotenvEscape,
        host: {
          secret: (path, data) => this.#reader.read(path, data),
          env: (name) => this.#env[name] ?? '',
        },
      },
    )
    return parseDotenv(text)
  }
}
