// Child process for the kill -9 test: writes keys with many puts in flight, printing each key once acknowledged.
import { SqliteStorage } from '../sqlite.ts'

const [path, checkpointFrames] = process.argv.slice(2)
if (path === undefined) throw new Error('usage: sqlite-writer.ts <database path> [checkpoint frames]')

const storage = SqliteStorage.open(
  path,
  checkpointFrames === undefined ? {} : { checkpointFrames: Number(checkpointFrames) },
)
const IN_FLIGHT = 64
let next = 0

// Each worker keeps one put outstanding, so IN_FLIGHT puts share every group commit.
async function worker(): Promise<void> {
  for (;;) {
    const i = next++
    const key = `durable/${i}`
    await storage.put(key, new TextEncoder().encode(`value-${i}`))
    process.stdout.write(`${key}\n`)
  }
}

await Promise.all(Array.from({ length: IN_FLIGHT }, () => worker()))
