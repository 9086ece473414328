// Child process for the PostgreSQL kill -9 test: writes keys with many puts in flight, printing each key once acknowledged.
import { PostgresStorage } from '../postgres.ts'

const [connectionUrl, table] = process.argv.slice(2)
if (connectionUrl === undefined || table === undefined)
  throw new Error('usage: postgres-writer.ts <connection url> <table>')

const storage = await PostgresStorage.open({ connectionUrl, table })
const IN_FLIGHT = 64
let next = 0

// Each worker keeps one put outstanding, so many puts share every group commit.
async function worker(): Promise<void> {
  for (;;) {
    const i = next++
    const key = `durable/${i}`
    await storage.put(key, new TextEncoder().encode(`value-${i}`))
    process.stdout.write(`${key}\n`)
  }
}

await Promise.all(Array.from({ length: IN_FLIGHT }, () => worker()))
