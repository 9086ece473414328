// Audit cost on reads: the same KV read against one server, alternating rounds without and with a file audit device.
//
//   npm run bench:audit                    6 rounds of 5 s each way
//   BENCH_SECONDS=10 BENCH_ROUNDS=8 npm run bench:audit
//
// Alternating within one server process cancels most of the drift a shared machine adds between separate runs;
// the figure of interest is Coffer-with-audit divided by Coffer-without (the target is >= 0.7).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCoffer } from './coffer-fixture.ts'
import { type LoadResult, runLoad } from './load.ts'

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5)
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 6)
const CONNECTIONS = 10

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function main() {
  const f = await startCoffer()
  try {
    const secret = JSON.stringify({ data: { value: 'x'.repeat(1024) } })
    await f.call('POST', 'secret/data/bench/read', JSON.parse(secret), f.token)
    const url = `${f.address}/v1/secret/data/bench/read`
    const load = async (seconds: number): Promise<LoadResult> => {
      const result = await runLoad({
        url,
        connections: CONNECTIONS,
        seconds,
        headers: { 'x-vault-token': f.token },
      })
      if (result.errors > 0 || result.non2xx > 0)
        throw new Error(`${result.errors} errors, ${result.non2xx} non-2xx`)
      return result
    }
    const dir = mkdtempSync(join(tmpdir(), 'coffer-bench-audit-'))
    await load(1)
    const ratios: number[] = []
    let without = 0
    let withAudit = 0
    for (let round = 1; round <= ROUNDS; round++) {
      const plain = await load(SECONDS)
      const enabled = await f.call(
        'PUT',
        'sys/audit/bench',
        { type: 'file', options: { file_path: join(dir, `audit-${round}.log`) } },
        f.root,
      )
      if (enabled.status !== 204) throw new Error(`audit enable failed: ${enabled.status} ${enabled.text}`)
      const audited = await load(SECONDS)
      await f.call('DELETE', 'sys/audit/bench', undefined, f.root)
      ratios.push(audited.rps / plain.rps)
      without += plain.rps
      withAudit += audited.rps
      process.stdout.write(
        `round ${round}: without audit ${Math.round(plain.rps)} req/s, with a file device ${Math.round(audited.rps)} req/s, ratio ${(audited.rps / plain.rps).toFixed(2)}\n`,
      )
    }
    process.stdout.write(
      `kv-read with a file audit device vs without: median ratio ${median(ratios).toFixed(2)}, ` +
        `mean of rates ${(withAudit / without).toFixed(2)} (${Math.round(withAudit / ROUNDS)} vs ${Math.round(without / ROUNDS)} req/s)\n`,
    )
  } finally {
    await f.process.stop()
  }
}

await main()
