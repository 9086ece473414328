// CLI entry: runCli(argv, io) runs one command and returns its exit code (0 ok, 1 local error, 2 remote error).

import { homedir } from 'node:os'
import { ApiError, ConnectionError } from '../client/index.ts'
import { errorMessage } from '../lib/error-message.ts'
import { COMMANDS } from './commands/index.ts'
import { CliError, type CliIo } from './context.ts'
import { UsageError } from './flags.ts'
import { dispatch } from './program.ts'

export type { CliIo, WritableLike } from './context.ts'

export async function runCli(args: string[], io: CliIo = {}): Promise<number> {
  const stderr = io.stderr ?? process.stderr
  const runtime = {
    stdout: io.stdout ?? process.stdout,
    stderr,
    stdin: io.stdin ?? process.stdin,
    env: io.env ?? process.env,
    homeDir: io.homeDir ?? homedir(),
  }
  try {
    return await dispatch(COMMANDS, args, runtime)
  } catch (error) {
    return report(error, stderr)
  }
}

function report(error: unknown, stderr: { write(chunk: string): unknown }): number {
  if (error instanceof CliError) {
    stderr.write(`${error.message}\n`)
    return error.code
  }
  if (error instanceof UsageError) {
    stderr.write(`Error: ${error.message}\n`)
    return 1
  }
  if (error instanceof ApiError || error instanceof ConnectionError) {
    stderr.write(`Error: ${error.message}\n`)
    return 2
  }
  const message = errorMessage(error)
  stderr.write(`Error: ${message}\n`)
  return 1
}
