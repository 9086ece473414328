// Run `coffer server` as a real child process and wait for its banner, for restart, crash and TLS tests.
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { withDeadline } from './deadline.ts'

const ENTRY = fileURLToPath(new URL('../../src/coffer.ts', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  address: string
  output(): string
  /** Sends `signal` (unless it has exited) and resolves with the exit code; a server that will not exit is killed and the call fails. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

// Generous bounds for a loaded 2-core CI box: they turn a hung child into a failure, they time nothing.
const START_LIMIT_MS = 60_000
const STOP_LIMIT_MS = 60_000

/** Start `coffer server ...args`; resolves once it prints its API address (60 s limit). */
export function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [ENTRY, 'server', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server did not start within ${START_LIMIT_MS / 1000} s:\n${out}`))
    }, START_LIMIT_MS)
    const check = () => {
      const m = /Api Address: (\S+)/.exec(out)
      if (!m) return
      clearTimeout(timer)
      child.stdout!.off('data', check)
      resolve({
        child,
        address: m[1]!,
        output: () => out,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal)
          try {
            return await withDeadline(exited, `server to exit on ${signal}`, STOP_LIMIT_MS)
          } catch (error) {
            child.kill('SIGKILL')
            throw new Error(`${(error as Error).message}:\n${out}`)
          }
        },
      })
    }
    child.stdout!.on('data', check)
    child.once('exit', () => {
      clearTimeout(timer)
      reject(new Error(`server exited early:\n${out}`))
    })
  })
}
