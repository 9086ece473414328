// Run `coffer server` as a real child process and wait for its banner, for restart, crash and TLS tests.
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ENTRY = fileURLToPath(new URL('../../src/coffer.ts', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  address: string
  output(): string
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Start `coffer server ...args`; resolves once it prints its API address (20 s limit). */
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
      reject(new Error(`server did not start within 20 s:\n${out}`))
    }, 20_000)
    const check = () => {
      const m = /Api Address: (\S+)/.exec(out)
      if (!m) return
      clearTimeout(timer)
      child.stdout!.off('data', check)
      resolve({
        child,
        address: m[1]!,
        output: () => out,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal)
          return exited
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
