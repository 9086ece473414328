// Run Debian's python3 (with hvac) from a test without blocking the event loop the server under test lives in.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { basename } from 'node:path'

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

/** Run a scenario script that prints its findings as JSON on its last line; fails the test if it exits non-zero. */
// biome-ignore lint/suspicious/noExplicitAny: scenario JSON, checked field by field by each test
export async function runScenario(script: string, env: NodeJS.ProcessEnv): Promise<Record<string, any>> {
  const result = await runPython([script], { ...process.env, ...env })
  assert.equal(result.code, 0, `${basename(script)} failed:\n${result.stderr}`)
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!)
}
