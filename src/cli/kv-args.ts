// Turn `key=value`, `key=@file`, `key=-`, `-` and `@file.json` arguments into a request body.
import { readFile } from 'node:fs/promises'
import { UsageError } from './flags.ts'

export interface DataSources {
  readStdin(): Promise<string>
  readFile?(path: string): Promise<string>
}

async function readText(sources: DataSources, path: string): Promise<string> {
  try {
    return sources.readFile ? await sources.readFile(path) : await readFile(path, 'utf8')
  } catch (error) {
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
}

function parseObject(text: string, origin: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new UsageError(`${origin} is not valid JSON`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${origin} must hold a JSON object`)
  }
  return value as Record<string, unknown>
}

/**
 * Build a data object from CLI arguments. A key given twice becomes a list (as Vault's builder does);
 * `\@` at the start of a value escapes a literal @.
 */
export async function parseDataArgs(
  args: readonly string[],
  sources: DataSources,
): Promise<Record<string, unknown>> {
  const data: Record<string, unknown> = {}
  const put = (key: string, value: unknown) => {
    if (!(key in data)) data[key] = value
    else if (Array.isArray(data[key])) (data[key] as unknown[]).push(value)
    else data[key] = [data[key], value]
  }
  for (const arg of args) {
    if (arg === '-') {
      Object.assign(data, parseObject(await sources.readStdin(), 'stdin'))
      continue
    }
    if (arg.startsWith('@')) {
      const path = arg.slice(1)
      Object.assign(data, parseObject(await readText(sources, path), path))
      continue
    }
    const eq = arg.indexOf('=')
    if (eq <= 0) throw new UsageError(`invalid key/value pair ${JSON.stringify(arg)}: expected key=value`)
    const key = arg.slice(0, eq)
    const raw = arg.slice(eq + 1)
    if (raw === '-') put(key, await sources.readStdin())
    else if (raw.startsWith('@')) put(key, await readText(sources, raw.slice(1)))
    else if (raw.startsWith('\\@')) put(key, raw.slice(1))
    else put(key, raw)
  }
  return data
}

/** `k=v` pairs for query strings (read path k=v); later values win. */
export function parseQueryArgs(args: readonly string[]): Record<string, string> {
  const query: Record<string, string> = {}
  for (const arg of args) {
    const eq = arg.indexOf('=')
    if (eq <= 0) throw new UsageError(`invalid key/value pair ${JSON.stringify(arg)}: expected key=value`)
    query[arg.slice(0, eq)] = arg.slice(eq + 1)
  }
  return query
}
