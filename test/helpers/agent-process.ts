// Run `coffer agent -config` as a real child process, collect its log, and wait for conditions on what it writes.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { withDeadline } from './deadline.ts'

const ENTRY = fileURLToPath(new URL('../../src/coffer.ts', import.meta.url))

export interface AgentProcess {
  child: ChildProcess
  log(): string
  /** Polls `check` until it holds; fails (with the agent's log) at the deadline, so it times nothing. */
  until(what: string, check: () => boolean | Promise<boolean>): Promise<void>
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
}

export function readIfExists(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined
}

/** Writes `config` to `configFile` and starts `coffer agent -config=<configFile>` with a minimal environment. */
export function startAgent(configFile: string, config: string, home: string): AgentProcess {
  writeFileSync(configFile, config)
  const child = spawn(process.execPath, [ENTRY, 'agent', `-config=${configFile}`], {
    env: { PATH: process.env['PATH'] ?? '', HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stdout!.on('data', (c: Buffer) => (log += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  return {
    child,
    log: () => log,
    async until(what, check) {
      await withDeadline(
        (async () => {
          while (!(await check())) await delay(50)
        })(),
        `${what}; agent log:\n${log}`,
      )
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return withDeadline(exited, `the agent exits; log:\n${log}`)
    },
  }
}
