// Lease scale: unseal time with N stored leases (vs none, same run) and the expiry rate of a due backlog.
//
//   npm run bench:leases                 1,000,000 leases
//   LEASES=100000 npm run bench:leases   fewer, for a quick look
//
// Leases come from a lease-issuing engine defined here: its secrets are rows in its own storage and revoking
// one deletes the row (a real durable write), so the rate measures Coffer's expiry machinery, not a database.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { defineBackend, definePath } from '../src/sdk/framework/backend.ts'
import { type RunningServer, startServer } from '../src/server/start-server.ts'

const TOTAL = Number(process.env['LEASES'] ?? 1_000_000)
const EXPIRE_SECONDS = Number(process.env['EXPIRE_SECONDS'] ?? 20)

const rowsEngine = defineBackend<unknown>({
  kind: 'secret',
  help: 'benchmark rows with leases',
  paths: [
    definePath({
      pattern: 'creds/:name',
      operations: {
        read: async ({ storage, params }) => {
          await storage.put(`rows/${params['name']}`, Buffer.from('1'))
          return {
            data: { name: params['name'] },
            secret: { type: 'row', ttl: 3600, renewable: true, internal: { name: params['name'] } },
          }
        },
      },
    }),
  ],
  secrets: [
    {
      type: 'row',
      revoke: async ({ storage }, internal) => storage.delete(`rows/${internal['name']}`),
    },
  ],
})

/** A wall clock that can be moved forward, so the whole backlog becomes due at once. */
const clock = {
  offset: 0,
  now(): number {
    return Date.now() + this.offset
  },
}

async function start(dir: string): Promise<{ server: RunningServer; ms: number }> {
  const t0 = performance.now()
  const server = await startServer({
    dev: true,
    dataDir: dir,
    listenAddress: '127.0.0.1:0',
    clock,
    extraSecretEngines: { rows: rowsEngine as never },
  })
  return { server, ms: performance.now() - t0 }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-leases-'))
  try {
    // Baseline: the same server and data directory with no leases.
    let { server } = await start(dir)
    await server.core.mounts.mount('secret', { path: 'rows/', type: 'rows' })
    await server.close()
    const empty = await start(dir)
    const emptyMs = empty.ms
    server = empty.server

    // Fill: leases expiring between 1 and 25 hours from now, spread over many hour and second folders.
    const t0 = performance.now()
    const expiration = server.core.expiration
    let next = 0
    const worker = async () => {
      while (next < TOTAL) {
        const i = next++
        await expiration.register({
          path: `rows/creds/r${i}`,
          mountPath: 'rows/',
          secret: {
            type: 'row',
            ttl: 3600 + ((i * 7919) % 86_400),
            renewable: true,
            internal: { name: `r${i}` },
          },
          tokenHash: '',
          defaultTtl: 3600,
          maxTtl: 100 * 3600,
        })
        if (i % 100_000 === 0 && i > 0) process.stderr.write(`  ${i} leases stored\n`)
      }
    }
    await Promise.all(Array.from({ length: 256 }, worker))
    const fillSeconds = (performance.now() - t0) / 1000
    await server.close()

    // Unseal with every lease stored.
    global.gc?.()
    const rssBefore = process.memoryUsage().rss
    const full = await start(dir)
    const rssAfter = process.memoryUsage().rss
    server = full.server

    // Expiry: move the clock past every lease and count revocations.
    clock.offset = 26 * 3600 * 1000
    const before = server.core.expiration.expiredTotal
    const e0 = performance.now()
    await new Promise((resolve) => setTimeout(resolve, EXPIRE_SECONDS * 1000))
    const expired = server.core.expiration.expiredTotal - before
    const expireSeconds = (performance.now() - e0) / 1000
    await server.close()

    const rows = {
      leases: TOTAL,
      fill_leases_per_s: Math.round(TOTAL / fillSeconds),
      unseal_ms_empty: Math.round(emptyMs),
      unseal_ms_with_leases: Math.round(full.ms),
      unseal_ratio: +(full.ms / emptyMs).toFixed(2),
      rss_growth_on_unseal: mib(Math.max(0, rssAfter - rssBefore)),
      expired_in_window: expired,
      expiry_per_s: Math.round(expired / expireSeconds),
    }
    if (process.argv.includes('--json')) console.log(JSON.stringify(rows))
    else {
      console.log(`leases stored: ${TOTAL} (fill ${rows.fill_leases_per_s}/s)`)
      console.log(
        `unseal: ${rows.unseal_ms_with_leases} ms with leases vs ${rows.unseal_ms_empty} ms empty (${rows.unseal_ratio}x); RSS +${rows.rss_growth_on_unseal}`,
      )
      console.log(
        `expiry: ${rows.expired_in_window} leases in ${expireSeconds.toFixed(1)} s = ${rows.expiry_per_s}/s`,
      )
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
