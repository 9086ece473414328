// Command dispatch by noun/verb words, per-command flag parsing, and help text.

import type { Readable } from 'node:stream'
import type { VaultClient } from '../client/index.ts'
import { buildClient, HTTP_FLAGS } from './config.ts'
import type { WritableLike } from './context.ts'
import { CliError, type CommandContext, type CommandSpec } from './context.ts'
import { FlagReader, type FlagSpec, parseFlags, UsageError } from './flags.ts'
import { parseFormat } from './format.ts'

const OUTPUT_FLAGS: readonly FlagSpec[] = [
  { name: 'format', kind: 'string', usage: 'Output format: table, json or yaml (VAULT_FORMAT)' },
  { name: 'field', kind: 'string', usage: 'Print only this field, raw, with no trailing newline when piped' },
]

const UNKNOWN_COMMAND_EXIT = 127

const HELP_FLAGS = new Set(['-h', '-help', '--help', '--h'])
/** Vault's CLI answers these, alone, as `vault version`. */
const VERSION_FLAGS = new Set(['-v', '-version', '--version'])

/** One-line descriptions of command groups for the top-level help. */
const GROUP_SUMMARIES: Record<string, string> = {
  access: 'Review access: who can reach a path, what an identity can do, unused grants, reviews',
  'access review': 'Start, decide, close, list and show access reviews',
  anomalies: 'List, show and acknowledge access anomalies',
  audit: 'Enable, disable and list audit devices; verify and search audit logs',
  auth: 'Enable, disable, list and tune auth methods',
  kv: 'Read and write the key/value secrets engine',
  leak: 'Respond to a leaked secret: rotate it, revoke its leases, list who saw it',
  'kv metadata': 'Read and change KV version 2 metadata',
  operator: 'Initialise, unseal, seal, rotate and rekey the server; generate a root token',
  print: 'Print a value the CLI would use: token',
  policy: 'Write, read, list, delete and format ACL policies',
  report: 'Produce reports from the server: compliance',
  secrets: 'Enable, disable, list and tune secrets engines',
  token: 'Create, look up, renew and revoke tokens',
}

export interface Runtime {
  stdout: WritableLike
  stderr: WritableLike
  stdin: Readable | undefined
  env: Record<string, string | undefined>
  homeDir: string
}

/** Find the command whose words are the longest prefix of argv's leading non-flag words. */
export function matchCommand(
  commands: readonly CommandSpec[],
  argv: readonly string[],
): { spec: CommandSpec; rest: string[] } | undefined {
  let best: CommandSpec | undefined
  for (const spec of commands) {
    if (spec.path.length > argv.length) continue
    if (!spec.path.every((word, i) => argv[i] === word)) continue
    if (!best || spec.path.length > best.path.length) best = spec
  }
  return best ? { spec: best, rest: argv.slice(best.path.length) } : undefined
}

function wordsOf(argv: readonly string[]): string[] {
  const words: string[] = []
  for (const arg of argv) {
    if (arg.startsWith('-')) break
    words.push(arg)
  }
  return words
}

function topHelp(commands: readonly CommandSpec[]): string {
  const rows: [string, string][] = []
  for (const spec of commands) if (spec.path.length === 1) rows.push([spec.path[0] as string, spec.summary])
  for (const [group, summary] of Object.entries(GROUP_SUMMARIES))
    if (!group.includes(' ')) rows.push([group, summary])
  rows.sort(([a], [b]) => a.localeCompare(b))
  const width = Math.max(...rows.map(([name]) => name.length)) + 4
  return [
    'Usage: coffer <command> [options] [args]',
    '',
    'Coffer speaks the Vault HTTP API; these commands accept Vault-style flags (-name=value).',
    '',
    'Commands:',
    ...rows.map(([name, summary]) => `    ${name.padEnd(width)}${summary}`),
    '',
    'Run "coffer <command> -h" for a command\'s options.',
  ].join('\n')
}

function groupHelp(commands: readonly CommandSpec[], group: readonly string[]): string | undefined {
  const members = commands.filter(
    (spec) => spec.path.length > group.length && group.every((word, i) => spec.path[i] === word),
  )
  if (members.length === 0) return undefined
  const rows = members.map((spec) => [spec.path.slice(group.length).join(' '), spec.summary] as const)
  const width = Math.max(...rows.map(([name]) => name.length)) + 4
  const name = group.join(' ')
  return [
    `Usage: coffer ${name} <subcommand> [options] [args]`,
    '',
    `  ${GROUP_SUMMARIES[name] ?? ''}`.trimEnd(),
    '',
    'Subcommands:',
    ...rows.map(([sub, summary]) => `    ${sub.padEnd(width)}${summary}`),
  ].join('\n')
}

function flagLines(title: string, flags: readonly FlagSpec[]): string[] {
  if (flags.length === 0) return []
  const lines = ['', `${title}:`]
  for (const flag of flags) {
    const placeholder = flag.kind === 'bool' ? '' : `=<${flag.placeholder ?? flag.kind}>`
    lines.push('', `  -${flag.name}${placeholder}`, `      ${flag.usage}`)
  }
  return lines
}

function commandHelp(spec: CommandSpec): string {
  return [
    `Usage: coffer ${spec.path.join(' ')} ${spec.usage}`.trimEnd(),
    '',
    `  ${spec.summary}`,
    ...(spec.help ? ['', ...spec.help.split('\n').map((line) => (line === '' ? '' : `  ${line}`))] : []),
    ...flagLines('Command options', spec.flags ?? []),
    ...(spec.output ? flagLines('Output options', OUTPUT_FLAGS) : []),
    ...(spec.offline ? [] : flagLines('HTTP options', HTTP_FLAGS)),
  ].join('\n')
}

function allFlags(spec: CommandSpec): FlagSpec[] {
  return [...(spec.flags ?? []), ...(spec.output ? OUTPUT_FLAGS : []), ...(spec.offline ? [] : HTTP_FLAGS)]
}

function makeContext(spec: CommandSpec, rest: string[], rt: Runtime): CommandContext {
  const parsed = parseFlags(rest, allFlags(spec))
  const flags = new FlagReader(parsed.flags)
  // A command that declares its own -format flag may accept values beyond table/json/yaml (scan: text, sarif);
  // those it reads itself. Everything else gets the shared format, from the flag or VAULT_FORMAT.
  const ownsFormat = (spec.flags ?? []).some((flag) => flag.name === 'format')
  const rawFormat = flags.string('format') ?? (spec.output ? rt.env['VAULT_FORMAT'] : undefined)
  const format =
    ownsFormat && rawFormat !== undefined && !['table', 'json', 'yaml'].includes(rawFormat)
      ? 'table'
      : parseFormat(rawFormat)
  const field = flags.string('field')
  if (spec.minArgs !== undefined && parsed.positionals.length < spec.minArgs) {
    throw new UsageError(
      `not enough arguments (expected at least ${spec.minArgs}, got ${parsed.positionals.length})`,
    )
  }
  if (spec.maxArgs !== undefined && parsed.positionals.length > spec.maxArgs) {
    throw new UsageError(
      `too many arguments (expected at most ${spec.maxArgs}, got ${parsed.positionals.length})`,
    )
  }
  let client: VaultClient | undefined
  let stdinText: Promise<string> | undefined
  return {
    args: parsed.positionals,
    flags,
    env: rt.env,
    homeDir: rt.homeDir,
    stdout: rt.stdout,
    stderr: rt.stderr,
    format,
    field: field === '' ? undefined : field,
    client() {
      client ??= buildClient(flags, rt.env, rt.homeDir)
      return client
    },
    readStdin() {
      stdinText ??= readAll(rt.stdin)
      return stdinText
    },
    out(text) {
      rt.stdout.write(`${text}\n`)
    },
    err(text) {
      rt.stderr.write(`${text}\n`)
    },
  }
}

async function readAll(stream: Readable | undefined): Promise<string> {
  if (!stream) throw new CliError('nothing to read: stdin is not available', 1)
  const chunks: Buffer[] = []
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

/** Run argv against the command table; returns the exit code. Errors propagate to main for rendering. */
export async function dispatch(
  commands: readonly CommandSpec[],
  argv: readonly string[],
  rt: Runtime,
): Promise<number> {
  const print = (text: string, stream: WritableLike = rt.stdout) => stream.write(`${text}\n`)
  if (argv.length === 0) {
    print(topHelp(commands), rt.stderr)
    return 1
  }
  const first = argv[0] as string
  if (VERSION_FLAGS.has(first) && argv.length === 1) return dispatch(commands, ['version'], rt)
  if (HELP_FLAGS.has(first)) {
    print(topHelp(commands))
    return 0
  }
  if (first === 'help') {
    const words = argv.slice(1)
    if (words.length === 0) {
      print(topHelp(commands))
      return 0
    }
    const found = matchCommand(commands, words)
    if (found && found.rest.length === 0) {
      print(commandHelp(found.spec))
      return 0
    }
    const group = groupHelp(commands, words)
    if (group) {
      print(group)
      return 0
    }
    print(`Unknown command: ${words.join(' ')}\n\n${topHelp(commands)}`, rt.stderr)
    return 1
  }
  const wantsHelp = argv.some((arg) => HELP_FLAGS.has(arg))
  const words = wordsOf(argv)
  const found = matchCommand(commands, words)
  // A group word alone ("kv") or with an unknown verb ("kv frob") shows the group's subcommands.
  const groupWords = found
    ? []
    : words.length > 1 && groupHelp(commands, words.slice(0, 2))
      ? words.slice(0, 2)
      : words.slice(0, 1)
  if (!found) {
    const group = groupHelp(commands, groupWords)
    if (group) {
      const unknown = words[groupWords.length]
      if (unknown !== undefined && !wantsHelp)
        print(`Unknown subcommand: ${groupWords.join(' ')} ${unknown}\n`, rt.stderr)
      print(group, wantsHelp ? rt.stdout : rt.stderr)
      return wantsHelp ? 0 : 1
    }
    print(`Unknown command: ${first}\n\n${topHelp(commands)}`, rt.stderr)
    // 127, as vault (and a shell for a command it cannot find): scripts tell "no such command" from a failure.
    return UNKNOWN_COMMAND_EXIT
  }
  if (wantsHelp) {
    print(commandHelp(found.spec))
    return 0
  }
  try {
    const ctx = makeContext(found.spec, argv.slice(found.spec.path.length), rt)
    return await found.spec.run(ctx)
  } catch (error) {
    if (error instanceof UsageError) {
      print(`Error: ${error.message}\n\nRun "coffer ${found.spec.path.join(' ')} -h" for usage.`, rt.stderr)
      return 1
    }
    throw error
  }
}
