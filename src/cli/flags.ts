// Vault-style flag parsing: -name=value, -name value, --name=value, boolean -flag, repeated and map flags.
import { parseDuration } from '../lib/duration.ts'

export type FlagKind = 'string' | 'bool' | 'int' | 'duration' | 'list' | 'map'

export interface FlagSpec {
  name: string
  kind: FlagKind
  usage: string
  /** Shown in help as the value placeholder, e.g. "<duration>". */
  placeholder?: string
  aliases?: string[]
}

export type FlagValue = string | boolean | number | string[] | Record<string, string>

export interface ParsedArgs {
  flags: Map<string, FlagValue>
  positionals: string[]
}

/** A mistake on the command line: printed with a pointer to help, exit code 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/**
 * Parse argv against the given specs. Flags may appear before or between positionals (Go's flag package
 * stops at the first positional, which surprises users); `--` ends flag parsing and a lone `-` is a positional.
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map<string, FlagSpec>()
  for (const spec of specs) {
    byName.set(spec.name, spec)
    for (const alias of spec.aliases ?? []) byName.set(alias, spec)
  }
  const flags = new Map<string, FlagValue>()
  const positionals: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg)
      continue
    }
    const body = arg.replace(/^--?/, '')
    const eq = body.indexOf('=')
    const name = eq === -1 ? body : body.slice(0, eq)
    const spec = byName.get(name)
    if (!spec || name === '') throw new UsageError(`flag provided but not defined: -${name}`)
    let raw: string | undefined = eq === -1 ? undefined : body.slice(eq + 1)
    if (raw === undefined && spec.kind !== 'bool') {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`)
      raw = argv[++i] as string
    }
    flags.set(spec.name, convert(spec, raw, flags.get(spec.name)))
  }
  return { flags, positionals }
}

function convert(spec: FlagSpec, raw: string | undefined, previous: FlagValue | undefined): FlagValue {
  const flag = `-${spec.name}`
  switch (spec.kind) {
    case 'bool': {
      if (raw === undefined) return true
      const lowered = raw.toLowerCase()
      if (['true', '1', 't', 'yes'].includes(lowered)) return true
      if (['false', '0', 'f', 'no', ''].includes(lowered)) return false
      throw new UsageError(`invalid boolean value ${JSON.stringify(raw)} for flag ${flag}`)
    }
    case 'int': {
      const text = (raw ?? '').trim()
      if (!/^-?\d+$/.test(text))
        throw new UsageError(`invalid integer value ${JSON.stringify(raw)} for flag ${flag}`)
      return Number(text)
    }
    case 'duration': {
      try {
        parseDuration(raw ?? '', flag)
      } catch {
        throw new UsageError(
          `invalid duration ${JSON.stringify(raw)} for flag ${flag}: use e.g. 30m, 1h or 3600`,
        )
      }
      return raw ?? ''
    }
    case 'list': {
      // Repeated flags accumulate and commas split, so -policy=a,b and -policy=a -policy=b agree.
      const items = (raw ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
      return [...((previous as string[] | undefined) ?? []), ...items]
    }
    case 'map': {
      const text = raw ?? ''
      const eq = text.indexOf('=')
      if (eq <= 0) throw new UsageError(`flag ${flag} expects key=value, got ${JSON.stringify(text)}`)
      return {
        ...((previous as Record<string, string> | undefined) ?? {}),
        [text.slice(0, eq)]: text.slice(eq + 1),
      }
    }
    default:
      return raw ?? ''
  }
}

/** Typed accessors over a parse result, so commands read flags without casts. */
export class FlagReader {
  readonly #flags: Map<string, FlagValue>
  constructor(flags: Map<string, FlagValue>) {
    this.#flags = flags
  }
  has(name: string): boolean {
    return this.#flags.has(name)
  }
  string(name: string): string | undefined {
    const value = this.#flags.get(name)
    return typeof value === 'string' ? value : undefined
  }
  bool(name: string): boolean {
    return this.#flags.get(name) === true
  }
  int(name: string): number | undefined {
    const value = this.#flags.get(name)
    return typeof value === 'number' ? value : undefined
  }
  list(name: string): string[] {
    const value = this.#flags.get(name)
    return Array.isArray(value) ? value : []
  }
  map(name: string): Record<string, string> {
    const value = this.#flags.get(name)
    return value !== undefined && typeof value === 'object' && !Array.isArray(value) ? value : {}
  }
}
