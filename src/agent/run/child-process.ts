// Start the command with its environment, optionally masking its output, and report how it ended.
import { type ChildProcess, spawn } from 'node:child_process'
import { constants } from 'node:os'
import { finished } from 'node:stream/promises'
import { maskingStream, type SecretMasker } from './mask-stream.ts'

export interface ChildOptions {
  command: string
  args: readonly string[]
  env: Record<string, string | undefined>
  /** When set, stdout/stderr go through it into `stdout`/`stderr`; otherwise the child inherits ours. */
  masker?: SecretMasker | undefined
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

export interface RunningChild {
  process: ChildProcess
  /** Resolves once the child has ended and its (masked) output is written: its exit status, shell-style. */
  exited: Promise<number>
}

/** The shell's convention: the exit code, or 128 + the signal's number when a signal ended the process. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code
  const number = signal ? constants.signals[signal] : undefined
  return number === undefined ? 1 : 128 + number
}

export class ChildStartError extends Error {}

/** Spawn the command; rejects (with no secret in the message) when it cannot be started at all. */
export async function startChild(options: ChildOptions): Promise<RunningChild> {
  const masked = options.masker !== undefined
  // An environment value cannot hold a NUL byte. spawn would refuse it with an error quoting the value (a
  // secret): name the variable instead, as the only thing said about it.
  for (const [name, value] of Object.entries(options.env))
    if (value?.includes('\0'))
      throw new ChildStartError(
        `cannot start ${options.command}: the value of ${name} contains a NUL byte, which an environment variable cannot hold`,
      )
  let child: ChildProcess
  try {
    child = spawn(options.command, [...options.args], {
      env: options.env,
      stdio: masked ? ['inherit', 'pipe', 'pipe'] : 'inherit',
    })
  } catch (error) {
    // Whatever else spawn refuses at once, its message may quote the environment: only the code is kept.
    throw new ChildStartError(
      `cannot start ${options.command}: ${(error as NodeJS.ErrnoException).code ?? 'invalid arguments'}`,
    )
  }
  const drains: Promise<void>[] = []
  if (options.masker && child.stdout && child.stderr) {
    for (const [source, target] of [
      [child.stdout, options.stdout],
      [child.stderr, options.stderr],
    ] as const) {
      const filter = maskingStream(options.masker)
      source.pipe(filter)
      filter.pipe(target, { end: false })
      drains.push(finished(filter).catch(() => {}))
    }
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(new ChildStartError(`cannot start ${options.command}: ${error.code ?? error.message}`)),
    )
  })
  const exited = new Promise<number>((resolve) => {
    child.once('close', (code, signal) => {
      Promise.all(drains).then(() => resolve(exitStatus(code, signal)))
    })
  })
  return { process: child, exited }
}
