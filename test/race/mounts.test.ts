// Race suite, mount and audit tables: a path is given to one enable however many ask for it at once.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { burst, type RaceServer, startRaceServer } from '../helpers/race.ts'

const ROUNDS = 4
const BURST = 16

describe('race: mount and audit tables', () => {
  let server: RaceServer
  const logs = mkdtempSync(join(tmpdir(), 'coffer-race-audit-'))

  before(async () => {
    server = await startRaceServer()
    // With a device recording every request, enables overlap more than they do on an idle server.
    const audit = await server.call('PUT', 'sys/audit/file', {
      body: { type: 'file', options: { file_path: join(logs, 'audit.log') } },
    })
    assert.equal(audit.status, 204, JSON.stringify(audit.body))
  })
  after(async () => {
    await server?.close()
    rmSync(logs, { recursive: true, force: true })
  })

  const statuses = (replies: { status: number }[]) => replies.map((r) => r.status).join(',')

  for (const table of ['mounts', 'auth'] as const) {
    it(`of ${BURST} enables of one sys/${table} path, exactly one succeeds`, async () => {
      // No userpass: each userpass mount hashes a dummy password at setup, and dozens of those at once hold the
      // thread pool long enough for a file audit device to time out opening.
      const types = table === 'mounts' ? ['kv', 'transit'] : ['approle', 'jwt']
      for (let round = 0; round < ROUNDS; round++) {
        const path = `same-${round}`
        const replies = await burst(
          server.address,
          Array.from({ length: BURST }, (_, i) => ({
            method: 'POST',
            path: `sys/${table}/${path}`,
            token: server.rootToken,
            body: { type: types[i % 2], description: `enable-${i}` },
          })),
        )
        const enabled = replies.flatMap((r, i) => (r.status === 204 ? [i] : []))
        assert.equal(enabled.length, 1, `round ${round}: ${statuses(replies)}`)
        assert.ok(replies.every((r) => r.status === 204 || r.status === 400))
        // The one caller told it enabled the path has the mount it asked for.
        const listed = (await server.call('GET', `sys/${table}`)).body.data
        const key = `${path}/`
        assert.equal(listed[key].description, `enable-${enabled[0]}`)
      }
    })
  }

  it('a mount and mounts nested under it, enabled at once, never both succeed', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const parent = `nest-${round}`
      const child = (i: number) => ({
        method: 'POST',
        path: `sys/mounts/${parent}/child-${i}`,
        token: server.rootToken,
        body: { type: 'kv' },
      })
      const own = {
        method: 'POST',
        path: `sys/mounts/${parent}`,
        token: server.rootToken,
        body: { type: 'kv' },
      }
      const replies = await burst(server.address, [
        ...Array.from({ length: BURST / 2 }, (_, i) => child(i)),
        own,
        ...Array.from({ length: BURST / 2 }, (_, i) => child(i + BURST / 2)),
      ])
      const parentEnabled = replies[BURST / 2]!.status === 204
      const childrenEnabled = replies.filter((r, i) => i !== BURST / 2 && r.status === 204).length
      assert.ok(!(parentEnabled && childrenEnabled > 0), `round ${round}: ${statuses(replies)}`)
      assert.ok(replies.every((r) => r.status === 204 || r.status === 400))
    }
  })

  // Each file device opens a writer thread: fewer at once, so none times out starting on a small machine.
  const DEVICES = 6
  it(`of ${DEVICES} enables of one audit path, exactly one succeeds and its device is the one kept`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const path = `audit-${round}`
      const replies = await burst(
        server.address,
        Array.from({ length: DEVICES }, (_, i) => ({
          method: 'PUT',
          path: `sys/audit/${path}`,
          token: server.rootToken,
          body: {
            type: 'file',
            description: `device-${i}`,
            options: { file_path: join(logs, `${path}-${i}.log`) },
          },
        })),
      )
      const enabled = replies.flatMap((r, i) => (r.status === 204 ? [i] : []))
      assert.equal(enabled.length, 1, `round ${round}: ${statuses(replies)}`)
      assert.ok(replies.every((r) => r.status === 204 || r.status === 400))
      const listed = (await server.call('GET', 'sys/audit')).body.data
      assert.equal(listed[`${path}/`].description, `device-${enabled[0]}`)
      assert.equal((await server.call('DELETE', `sys/audit/${path}`)).status, 204)
    }
  })
})
