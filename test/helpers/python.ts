// Run Debian's python3 (with hvac) from a test without blocking the event loop the server under test lives in.
import { execFile } from 'node:child_process'

export const PYTHON = '/usr/bin/python3'

export interface PythonResult {
  code: number
  stdout: string
  stderr: string
}

/** `python3 ...args` with `env`; resolves (never rejects) with the exit code and output. */
export function runPython(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<PythonResult> {
  return new Promise((resolve) => {
    execFile(PYTHON, args, { env, timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
    })
  })
}
