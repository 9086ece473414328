// Two Coffer processes on a fresh PostgreSQL database with HA on: the active one and a standby, prepared for the bench.
import { createTestDatabase, type TestDatabase } from '../test/helpers/pg-database.ts'
import { spawnServer } from '../test/helpers/process.ts'
import { type CofferFixture, caller, prepare, writeConfig } from './coffer-fixture.ts'

export interface HaFixture {
  db: TestDatabase
  active: CofferFixture
  standby: CofferFixture
  output(): string
  stop(): Promise<void>
}

export async function startHaPair(): Promise<HaFixture> {
  const db = await createTestDatabase()
  const config = writeConfig(
    `storage "postgresql" {\n  connection_url = "${db.url}"\n  ha_enabled = "true"\n}`,
  )
  const processes = [
    await spawnServer([`-config=${config}`, '-log-level=warn']),
    await spawnServer([`-config=${config}`, '-log-level=warn']),
  ]
  const calls = processes.map((p) => caller(p.address))
  const init = JSON.parse(
    (await calls[0]!('PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 })).text,
  )
  for (const call of calls) await call('PUT', 'sys/unseal', { key: init.keys[0] })
  let activeIndex = -1
  while (activeIndex < 0) {
    for (const [i, call] of calls.entries())
      if (JSON.parse((await call('GET', 'sys/leader')).text).is_self === true) activeIndex = i
    if (activeIndex < 0) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const { token, root } = await prepare(calls[activeIndex]!, init.root_token as string)
  const fixture = (i: number): CofferFixture => ({
    process: processes[i]!,
    address: processes[i]!.address,
    call: calls[i]!,
    token,
    root,
  })
  return {
    db,
    active: fixture(activeIndex),
    standby: fixture(1 - activeIndex),
    /** What the nodes logged (warnings and errors): printed when a scenario fails. */
    output: () => processes.map((p) => p.output()).join('\n'),
    stop: async () => {
      for (const p of processes) await p.stop('SIGKILL').catch(() => {})
      await db.drop()
    },
  }
}

/**
 * Kill the active node with SIGKILL and return how long (ms) until a write sent through the standby succeeds,
 * polling every 20 ms.
 */
export async function failoverMs(ha: HaFixture): Promise<number> {
  const killedAt = performance.now()
  await ha.active.process.stop('SIGKILL')
  for (let i = 0; ; i++) {
    const res = await ha.standby
      .call('POST', `secret/data/bench/failover-${i}`, { data: { v: i } }, ha.active.token)
      .catch(() => ({ status: 0 }))
    if (res.status === 200) return Math.round(performance.now() - killedAt)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
