// Kill -9 durability: every write the child acknowledged must be in the database after SIGKILL.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, it } from 'node:test'
import { SqliteStorage } from './sqlite.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-durability-'))
after(() => rmSync(root, { recursive: true, force: true }))

const FIXTURE = join(import.meta.dirname, '__fixtures__', 'sqlite-writer.ts')
const KILL_AFTER = 300

it('keeps every acknowledged write after the writer is killed with SIGKILL', async () => {
  await killAndCheck(join(root, 'durable.db'), KILL_AFTER, [])
})

it('keeps every acknowledged write when killed with checkpoints running beside the commits', async () => {
  // Checkpoints every 16 frames: thousands of commits see dozens of them start, finish and restart the WAL.
  await killAndCheck(join(root, 'checkpointed.db'), 3000, ['16'])
})

async function killAndCheck(path: string, killAfter: number, args: string[]): Promise<void> {
  const child = spawn(process.execPath, ['--no-warnings', FIXTURE, path, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const acknowledged: string[] = []
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })

  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  )
  // A bound, not a sleep: a stuck child fails the test instead of hanging it.
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const lines = createInterface({ input: child.stdout })
  lines.on('line', (line) => {
    acknowledged.push(line)
    if (acknowledged.length === killAfter) child.kill('SIGKILL')
  })
  const signal = await exited
  clearTimeout(guard)

  assert.equal(signal, 'SIGKILL', `writer ended on its own: ${stderr.slice(0, 500)}`)
  assert.ok(acknowledged.length >= killAfter, `only ${acknowledged.length} writes acknowledged: ${stderr}`)

  const storage = SqliteStorage.open(path)
  try {
    const decoder = new TextDecoder()
    const missing: string[] = []
    for (const key of acknowledged) {
      const value = await storage.get(key)
      if (value === undefined || decoder.decode(value) !== `value-${key.slice('durable/'.length)}`)
        missing.push(key)
    }
    assert.deepEqual(missing, [])
    const stored = await storage.list('durable/')
    assert.ok(stored.length >= acknowledged.length)
  } finally {
    await storage.close()
  }
}
