// Race suite, KV v2 versions: max_versions under a burst of writes, metadata DELETE and destroy racing writes and
// reads; once a removal has answered, nothing it removed is readable.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type RaceReply, type RaceServer, startRaceServer } from '../helpers/race.ts'

const ROUNDS = 4
const BURST = 40

describe('race: KV v2 versions', () => {
  let server: RaceServer

  before(async () => {
    server = await startRaceServer()
  })
  after(async () => {
    await server?.close()
  })

  const write = (path: string, data: Record<string, unknown>) => ({
    method: 'POST',
    path: `secret/data/${path}`,
    body: { data },
  })
  const read = (path: string, version?: number) => ({
    method: 'GET',
    path: `secret/data/${path}${version === undefined ? '' : `?version=${version}`}`,
  })
  const statuses = (replies: RaceReply[]) => replies.map((r) => r.status).join(',')

  async function ok(method: string, path: string, body?: unknown): Promise<RaceReply> {
    const reply = await server.call(method, path, body === undefined ? {} : { body })
    assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
    return reply
  }

  for (const max of [1, 3]) {
    it(`max_versions=${max}: ${BURST} writes at once keep the newest ${max}, each numbered once`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const path = `max${max}-${round}`
        await ok('POST', `secret/metadata/${path}`, { max_versions: max })
        const replies = await server.burst(
          Array.from({ length: BURST }, (_, i) => write(path, { writer: i })),
        )
        assert.ok(
          replies.every((r) => r.status === 200),
          `round ${round}: ${statuses(replies)}`,
        )
        const numbers = replies.map((r) => r.body.data.version as number)
        assert.deepEqual(
          [...numbers].sort((a, b) => a - b),
          Array.from({ length: BURST }, (_, i) => i + 1),
        )
        const meta = (await ok('GET', `secret/metadata/${path}`)).body.data
        assert.equal(meta.current_version, BURST)
        assert.deepEqual(
          Object.keys(meta.versions)
            .map(Number)
            .sort((a, b) => a - b),
          Array.from({ length: max }, (_, i) => BURST - max + i + 1),
          `round ${round}: ${JSON.stringify(Object.keys(meta.versions))}`,
        )
        const reads = await server.burst(Array.from({ length: BURST }, (_, v) => read(path, v + 1)))
        for (const [v, r] of reads.entries()) {
          const version = v + 1
          if (version > BURST - max) {
            assert.equal(r.status, 200, `round ${round}: version ${version} lost`)
            // The data is that of the write that was answered this number.
            assert.equal(r.body.data.data.writer, numbers.indexOf(version), `round ${round}`)
          } else assert.equal(r.status, 404, `round ${round}: pruned version ${version} still readable`)
        }
        assert.equal((await server.call('GET', `secret/data/${path}`)).body.data.metadata.version, BURST)
      }
    })
  }

  it('after cas_required answers (on the secret or the mount), no write without cas lands', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      for (const where of ['secret', 'mount'] as const) {
        const path = `cas-req-${where}-${round}`
        await ok('POST', `secret/data/${path}`, { data: { writer: 'first' } })
        const setting =
          where === 'secret'
            ? { method: 'POST', path: `secret/metadata/${path}`, body: { cas_required: true } }
            : { method: 'POST', path: 'secret/config', body: { cas_required: true } }
        const half = BURST / 2
        const writes = Array.from({ length: BURST }, (_, i) => write(path, { writer: i }))
        const replies = await server.burst([...writes.slice(0, half), setting, ...writes.slice(half)])
        assert.ok(replies[half]!.status < 300, JSON.stringify(replies[half]!.body))
        for (const r of replies)
          assert.ok(
            r.status === 200 || r.status === 204 || r.status === 400,
            `round ${round}: ${statuses(replies)}`,
          )
        const before = (await ok('GET', `secret/metadata/${path}`)).body.data.current_version
        const afterwards = await server.burst(writes.slice(0, 10))
        assert.ok(
          afterwards.every((r) => r.status === 400),
          `round ${round}, ${where}: ${statuses(afterwards)}`,
        )
        assert.equal((await ok('GET', `secret/metadata/${path}`)).body.data.current_version, before)
        if (where === 'mount') await ok('POST', 'secret/config', { cas_required: false })
      }
    }
  })

  it('metadata DELETE racing writes: afterwards only versions written after it exist, each readable', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const path = `wipe-${round}`
      await ok('POST', `secret/data/${path}`, { data: { writer: 'before' } })
      const half = BURST / 2
      const writes = Array.from({ length: BURST }, (_, i) => write(path, { writer: i }))
      const replies = await server.burst([
        ...writes.slice(0, half),
        { method: 'DELETE', path: `secret/metadata/${path}` },
        ...writes.slice(half),
      ])
      assert.equal(replies[half]!.status, 204, JSON.stringify(replies[half]!.body))
      const answered = [...replies.slice(0, half), ...replies.slice(half + 1)]
      assert.ok(
        answered.every((r) => r.status === 200),
        `round ${round}: ${statuses(replies)}`,
      )
      const meta = await server.call('GET', `secret/metadata/${path}`)
      if (meta.status === 404) continue
      const versions = Object.keys(meta.body.data.versions).map(Number)
      const current = meta.body.data.current_version as number
      // Numbering restarted at the delete: every listed version is one of the writes after it (the newest ten of
      // them: the mount keeps ten by default).
      const oldest = Math.max(1, current - 9)
      assert.deepEqual(
        versions.sort((a, b) => a - b),
        Array.from({ length: current - oldest + 1 }, (_, i) => oldest + i),
        `round ${round}`,
      )
      assert.ok(current < BURST + 1, `round ${round}: ${current} versions survive the delete`)
      const reads = await server.burst(versions.map((v) => read(path, v)))
      for (const [i, r] of reads.entries()) {
        assert.equal(r.status, 200, `round ${round}: version ${versions[i]} listed but unreadable`)
        const writer = r.body.data.data.writer
        assert.notEqual(writer, 'before', `round ${round}: data from before the delete is readable`)
        assert.equal(answered[writer]!.body.data.version, versions[i], `round ${round}`)
      }
      // Versions past the current one (numbers the writes before the delete were given) read as absent.
      const beyond = await server.burst(
        Array.from({ length: BURST + 1 - current }, (_, i) => read(path, current + i + 1)),
      )
      assert.ok(
        beyond.every((r) => r.status === 404 && r.body?.data?.data == null),
        `round ${round}: ${statuses(beyond)}`,
      )
    }
  })

  it('after metadata DELETE answers, no read returns any version', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const path = `gone-${round}`
      for (let v = 0; v < 3; v++) await ok('POST', `secret/data/${path}`, { data: { v } })
      const reads = [read(path), read(path, 1), read(path, 2), read(path, 3)]
      const half = BURST / 2
      const replies = await server.burst([
        ...Array.from({ length: half }, (_, i) => reads[i % 4]!),
        { method: 'DELETE', path: `secret/metadata/${path}` },
        ...Array.from({ length: half }, (_, i) => reads[i % 4]!),
      ])
      assert.equal(replies[half]!.status, 204)
      assert.ok(
        replies.every((r) => r.status === 200 || r.status === 204 || r.status === 404),
        `round ${round}: ${statuses(replies)}`,
      )
      const afterwards = await server.burst(Array.from({ length: 12 }, (_, i) => reads[i % 4]!))
      assert.ok(
        afterwards.every((r) => r.status === 404),
        `round ${round}: ${statuses(afterwards)}`,
      )
    }
  })

  it('after destroy answers, the version is unreadable, and undeletes racing it never bring it back', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const path = `destroy-${round}`
      await ok('POST', `secret/data/${path}`, { data: { secret: 'first' } })
      await ok('POST', `secret/data/${path}`, { data: { secret: 'second' } })
      // Soft-deleted first, so the undeletes have something to restore until the destroy lands.
      await ok('POST', `secret/delete/${path}`, { versions: [1] })
      const undelete = { method: 'POST', path: `secret/undelete/${path}`, body: { versions: [1] } }
      const half = BURST / 2
      const racers = Array.from({ length: half }, (_, i) => (i % 2 ? read(path, 1) : undelete))
      const replies = await server.burst([
        ...racers,
        { method: 'POST', path: `secret/destroy/${path}`, body: { versions: [1] } },
        ...racers,
      ])
      assert.equal(replies[half]!.status, 204)
      for (const r of replies)
        assert.ok(
          r.status === 204 || r.status === 404 || (r.status === 200 && r.body.data.data.secret === 'first'),
          `round ${round}: ${r.status} ${JSON.stringify(r.body)}`,
        )
      await ok('POST', `secret/undelete/${path}`, { versions: [1] })
      const afterwards = await server.burst(Array(10).fill(read(path, 1)))
      for (const r of afterwards) {
        assert.equal(r.status, 404, `round ${round}: a destroyed version is readable`)
        assert.equal(r.body.data.metadata.destroyed, true)
        assert.equal(r.body.data.data, null)
      }
      assert.equal((await server.call('GET', `secret/data/${path}`)).body.data.data.secret, 'second')
    }
  })
})
