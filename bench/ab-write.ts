// Two builds of Coffer side by side under the kv-write-16 load: this tree's and another checkout's (a worktree
// of the base commit), each a server process on SQLite, driven alternately by wrk (16 connections, a new 1 KiB
// secret per request, new paths every round) in adjacent rounds, the order swapped every round. On a shared
// two-core machine CPU per write drifts by ±30 % over minutes with the neighbours' load and disk latency (and
// with the rate reached: fewer writes share each wake-up and commit when commits are slow), far more than a
// change's effect; rounds seconds apart see nearly the same machine, so the pairwise difference carries.
//
//   node bench/ab-write.ts /path/to/other/checkout      # AB_ROUNDS=6 AB_SECONDS=5 by default
//
// Prints, per round and build, the server's CPU per write (utime+stime of every thread, from /proc), split into
// the request thread and the busiest other thread (the SQLite writer), and the rate wrk reached.
import { readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { type CofferFixture, startCoffer } from './coffer-fixture.ts'
import type { LoadSpec } from './load.ts'
import { runWrk } from './wrk-runner.ts'

const other = process.argv[2]
if (!other) throw new Error('usage: node bench/ab-write.ts <other checkout>')
const SECONDS = Number(process.env['AB_SECONDS'] ?? 5)
const ROUNDS = Number(process.env['AB_ROUNDS'] ?? 6)
const TICK_US = 1_000_000 / 100 // USER_HZ is 100 on Linux

function statMicros(file: string): number {
  const stat = readFileSync(file, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_US
}

function threadMicros(pid: number): Map<string, number> {
  const out = new Map<string, number>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(tid, statMicros(`/proc/${pid}/task/${tid}/stat`))
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out
}

const otherFixture = (await import(resolve(other, 'bench/coffer-fixture.ts'))) as {
  startCoffer: typeof startCoffer
}
const secret = { data: { value: 'x'.repeat(1000) } }
const builds: { name: string; fixture: CofferFixture }[] = []
for (const [name, start] of [
  ['other', otherFixture.startCoffer],
  ['this', startCoffer],
] as const) {
  const fixture = await start()
  await fixture.call('POST', 'secret/data/bench/w-first', secret, fixture.token)
  builds.push({ name, fixture })
}
let round = 0
const spec = (fixture: CofferFixture, seconds: number): LoadSpec => ({
  url: `${fixture.address}/v1/secret/data/bench/r${round}-[<id>]`,
  connections: 16,
  seconds,
  headers: { 'x-vault-token': fixture.token },
  method: 'POST',
  body: JSON.stringify(secret),
})
try {
  for (const { fixture } of builds) await runWrk(spec(fixture, 2))
  process.stdout.write(`kv-write-16 A/B, this tree against ${other}, ${SECONDS} s per round\n`)
  for (round = 1; round <= ROUNDS; round++) {
    for (const { name, fixture } of round % 2 === 1 ? builds : [...builds].reverse()) {
      const pid = fixture.process.child.pid!
      const before = threadMicros(pid)
      const result = await runWrk(spec(fixture, SECONDS))
      const after = threadMicros(pid)
      const writes = result.rps * SECONDS
      let total = 0
      let main = 0
      let writer = 0
      for (const [tid, used] of after) {
        const delta = used - (before.get(tid) ?? 0)
        total += delta
        if (tid === String(pid)) main = delta
        else writer = Math.max(writer, delta)
      }
      const f = (n: number) => (n / writes).toFixed(1).padStart(6)
      process.stdout.write(
        `round ${round} ${name.padEnd(5)} ${f(total)} µs/write [main ${f(main)}, writer ${f(writer)}] ${Math.round(result.rps)} req/s\n`,
      )
    }
  }
} finally {
  for (const { fixture } of builds) await fixture.process.stop()
}
