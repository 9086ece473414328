// The broker's timed checkpoints: a quiet device still gets its entries sealed by a signed checkpoint.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { verifyAuditLog } from '../../lib/audit-chain/verify.ts'
import { silentLogger } from '../../lib/logger.ts'
import { MemoryStorage } from '../physical/memory.ts'
import { AuditBroker } from './broker.ts'
import { buildEntry } from './entry.ts'

/** The broker's clock only stamps checkpoints; a fixed one keeps the test off the wall clock. */
const FIXED_NOW = Date.UTC(2024, 4, 1)

function lines(path: string): { type: string; seq: number }[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
}

/**
 * Waits for `check` by turns of the event loop, never by wall time: setImmediate is not mocked, and the
 * broker's flush and the file write both complete within turns once the mocked interval has fired.
 */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve))
}

it('writes a checkpoint on a timer after new entries, and none while nothing new arrives', async (t) => {
  // The checkpoint interval runs on mocked timers: the test decides when an interval has passed.
  t.mock.timers.enable({ apis: ['setInterval'] })
  const file = join(mkdtempSync(join(tmpdir(), 'coffer-broker-')), 'audit.log')
  const broker = new AuditBroker(new MemoryStorage(), silentLogger, () => FIXED_NOW, {
    checkpointIntervalMs: 1000,
  })
  await broker.load()
  await broker.enable('file', 'file', '', { file_path: file }, false)
  const entry = buildEntry({
    type: 'request',
    time: new Date().toISOString(),
    request: { id: 'r1', operation: 'read', path: 'secret/data/x' },
  })
  await broker.log(entry)
  assert.equal(lines(file).length, 1, 'no checkpoint before the interval has passed')
  t.mock.timers.tick(1000)
  await until(() => lines(file).at(-1)?.type === 'checkpoint')
  const count = lines(file).length
  assert.equal(count, 2, 'one entry, one checkpoint')
  // Quiet: five more intervals pass with nothing new, and the timer writes nothing.
  for (let i = 0; i < 5; i++) t.mock.timers.tick(1000)
  // A checkpoint written now would be in the file after these turns, as the first one was.
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
  assert.equal(lines(file).length, count)
  const result = verifyAuditLog(readFileSync(file, 'utf8'), broker.publicKeyPem)
  assert.equal(result.ok, true)
  assert.equal(result.unsealedEntries, 0)
  assert.equal(result.checkpoints, 1)
  await broker.close()
})

it("writes a request's two entries with identical auth and request sections, each line canonical JSON", async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'coffer-broker-')), 'audit.log')
  const broker = new AuditBroker(new MemoryStorage(), silentLogger, () => FIXED_NOW)
  await broker.load()
  await broker.enable('file', 'file', '', { file_path: file }, false)
  const auth = {
    clientToken: 'cvs.secret-token-value',
    accessor: 'acc',
    displayName: 'token',
    policies: ['p'],
  }
  const request = { id: 'r2', operation: 'read', path: 'secret/data/x', data: { q: 'private value' } }
  const time = new Date().toISOString()
  await Promise.all([
    broker.log(buildEntry({ type: 'request', time, auth, request })),
    broker.log(
      buildEntry({ type: 'response', time, auth, request, response: { data: { password: 'hunter22' } } }),
    ),
  ])
  await broker.close()
  const text = readFileSync(file, 'utf8')
  assert.ok(
    !text.includes('cvs.secret-token-value') && !text.includes('hunter22') && !text.includes('private value'),
  )
  const [first, second] = text.trim().split('\n')
  for (const line of [first!, second!]) assert.equal(JSON.stringify(JSON.parse(line)), line)
  const a = JSON.parse(first!)
  const b = JSON.parse(second!)
  assert.deepEqual(a.auth, b.auth)
  assert.deepEqual(a.request, b.request)
  assert.match(a.auth.client_token, /^hmac-sha256:/)
  assert.match(b.response.data.password, /^hmac-sha256:/)
  assert.deepEqual(Object.keys(b), ['time', 'type', 'auth', 'request', 'response', 'seq', 'prev_hash'])
})

it('logPair writes exactly the lines two log calls would (compared unhashed, with log_raw)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-broker-'))
  const auth = { clientToken: 'cvs.t', accessor: 'acc', displayName: 'token', policies: ['p'] }
  const request = { id: 'r3', operation: 'list', path: 'secret/metadata/', data: { q: 'x' } }
  const time = new Date().toISOString()
  const entries = (error?: string) => [
    buildEntry({ type: 'request', time, auth, request }),
    buildEntry({
      type: 'response',
      time,
      auth,
      request,
      response: { data: { keys: ['a', 'b'] }, warnings: ['w'] },
      ...(error ? { error } : {}),
    }),
  ]
  const write = async (name: string, pair: boolean) => {
    const file = join(dir, `${name}.log`)
    const broker = new AuditBroker(new MemoryStorage(), silentLogger, () => FIXED_NOW)
    await broker.load()
    await broker.enable(
      'file',
      'file',
      '',
      { file_path: file, log_raw: 'true', elide_list_responses: 'true' },
      false,
    )
    for (const error of [undefined, 'permission denied']) {
      const [req, res] = entries(error)
      if (pair) await broker.logPair(req!, res!)
      else await Promise.all([broker.log(req!), broker.log(res!)])
    }
    await broker.close()
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((line) => line.type !== 'checkpoint')
      .map(({ seq: _s, prev_hash: _p, ...rest }) => JSON.stringify(rest))
  }
  const separate = await write('separate', false)
  const paired = await write('paired', true)
  assert.equal(paired.length, 4)
  assert.deepEqual(paired, separate)
  assert.match(paired[1]!, /"keys":2/, 'elision applies to the paired response too')
  assert.match(paired[3]!, /"error":"permission denied"}$/)
})
