// `coffer ... | head -1`: a reader that closes the pipe early ends the CLI quietly, as SIGPIPE ends `vault`.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

test('stdout closed by the reader: no stack trace, exit status as for SIGPIPE (141)', async () => {
  const child = spawn(process.execPath, ['src/coffer.ts', 'help'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // Closed before the child has even loaded the CLI, so its first write meets a pipe with no reader.
  child.stdout.destroy()
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const [code] = (await once(child, 'exit')) as [number | null]
  assert.equal(stderr, '')
  assert.equal(code, 141)
})
