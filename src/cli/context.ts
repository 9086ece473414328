// What every command receives: parsed flags and positionals, I/O streams, environment and a lazy client.

import type { Readable } from 'node:stream'
import { ApiError, ConnectionError, type VaultClient } from '../client/index.ts'
import { errorMessage } from '../lib/error-message.ts'
import type { FlagReader, FlagSpec } from './flags.ts'
import type { OutputFormat } from './format.ts'

export interface WritableLike {
  write(chunk: string): unknown
  isTTY?: boolean
}

export interface CliIo {
  stdout?: WritableLike
  stderr?: WritableLike
  stdin?: Readable
  env?: Record<string, string | undefined>
  homeDir?: string
}

export interface CommandContext {
  /** Positional arguments after the command words. */
  readonly args: string[]
  readonly flags: FlagReader
  readonly env: Record<string, string | undefined>
  readonly homeDir: string
  readonly stdout: WritableLike
  readonly stderr: WritableLike
  readonly format: OutputFormat
  readonly field: string | undefined
  /** The client built from -address/-ca-cert/... and the environment; created on first use. */
  client(): VaultClient
  /** All of stdin as text, read once and cached (several `-` arguments see the same text). */
  readStdin(): Promise<string>
  out(text: string): void
  err(text: string): void
}

export interface CommandSpec {
  /** The words that select this command, e.g. ["kv", "metadata", "get"]. */
  path: readonly string[]
  /** Argument synopsis after the command words, e.g. "[options] PATH [K=V...]". */
  usage: string
  summary: string
  /** Longer help text, own words, shown by -h. */
  help?: string
  flags?: readonly FlagSpec[]
  /** Accepts -format and -field. */
  output?: boolean
  /** Never talks to the server, so the HTTP flags are not offered. */
  offline?: boolean
  /** Positional count bounds; checked before run. */
  minArgs?: number
  maxArgs?: number
  run(ctx: CommandContext): Promise<number>
}

/** A failure the command already described; `code` is the exit status (1 local, 2 remote). */
export class CliError extends Error {
  readonly code: number
  constructor(message: string, code: number) {
    super(message)
    this.name = 'CliError'
    this.code = code
  }
}

function isRemoteError(error: unknown): boolean {
  return error instanceof ApiError || error instanceof ConnectionError
}

/** Run an API call and, on failure, turn the error into "<action>: <reason>" with Vault's exit code. */
export async function remote<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (error instanceof CliError) throw error
    const message = errorMessage(error)
    throw new CliError(`${action}: ${message}`, isRemoteError(error) ? 2 : 1)
  }
}
