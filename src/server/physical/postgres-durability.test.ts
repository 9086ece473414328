// Kill -9 durability on PostgreSQL: every write the child acknowledged must be stored after it is killed mid-stream.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, it } from 'node:test'
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/pg-database.ts'
import { describeUnless, POSTGRES, unmet } from '../../../test/helpers/requirements.ts'
import { PostgresStorage } from './postgres.ts'

const FIXTURE = join(import.meta.dirname, '__fixtures__', 'postgres-writer.ts')
const KILL_AFTER = 500
let db: TestDatabase

describeUnless(await unmet(POSTGRES), 'PostgresStorage durability', () => {
  before(async () => {
    db = await createTestDatabase()
  })
  after(() => db?.drop())

  it('keeps every acknowledged write after the writing process is killed with SIGKILL', async () => {
    const child = spawn(process.execPath, ['--no-warnings', FIXTURE, db.url, 'durable_kv'], {
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
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000)
    createInterface({ input: child.stdout }).on('line', (line) => {
      acknowledged.push(line)
      if (acknowledged.length === KILL_AFTER) child.kill('SIGKILL')
    })
    const signal = await exited
    clearTimeout(guard)

    assert.equal(signal, 'SIGKILL', `writer ended on its own: ${stderr.slice(0, 500)}`)
    assert.ok(acknowledged.length >= KILL_AFTER, `only ${acknowledged.length} writes acknowledged: ${stderr}`)

    const storage = await PostgresStorage.open({ connectionUrl: db.url, table: 'durable_kv' })
    try {
      const decoder = new TextDecoder()
      const missing: string[] = []
      for (const key of acknowledged) {
        const value = await storage.get(key)
        if (value === undefined || decoder.decode(value) !== `value-${key.slice('durable/'.length)}`)
          missing.push(key)
      }
      assert.deepEqual(missing, [])
      assert.ok((await storage.list('durable/')).length >= acknowledged.length)
    } finally {
      await storage.close()
    }
  })
})
