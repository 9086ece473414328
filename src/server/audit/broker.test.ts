// The broker's timed checkpoints: a quiet device still gets its entries sealed by a signed checkpoint.
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { it } from 'node:test'
import { verifyAuditLog } from '../../lib/audit-chain/verify.ts'
import { silentLogger } from '../../lib/logger.ts'
import { MemoryStorage } from '../physical/memory.ts'
import { AuditBroker, AuditFailedError } from './broker.ts'
import { buildEntry, buildRequestAuth, type JsonObject } from './entry.ts'

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

/** The lines of a log without their chain members and checkpoints, as text. */
function entryLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((line) => line.type !== 'checkpoint')
    .map(({ seq: _s, prev_hash: _p, ...rest }) => JSON.stringify(rest))
}

it('logPair writes, hashed, exactly what two log calls write on the same device; a frozen auth section and data too', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'coffer-broker-')), 'audit.log')
  const broker = new AuditBroker(new MemoryStorage(), silentLogger, () => FIXED_NOW)
  await broker.load()
  await broker.enable('file', 'file', '', { file_path: file }, false)
  const time = new Date().toISOString()
  const request = { id: 'r4', operation: 'read', mountPoint: 'secret/', path: 'secret/data/x' }
  const frozenAuth = Object.freeze(
    buildRequestAuth({ clientToken: 'cvs.t', accessor: 'acc', displayName: 'token', policies: ['p'] }),
  )
  const version = Object.freeze({ password: 'hunter22', pin: 1234 })
  // A KV read's answer is frozen whole and shared by its reads: the device remembers its response section's text.
  const answer = Object.freeze({ data: version, metadata: Object.freeze({ version: 3 }) })
  const entries = (builtAuth: typeof frozenAuth, data: JsonObject) => [
    buildEntry({ type: 'request', time, builtAuth, request }),
    buildEntry({
      type: 'response',
      time,
      builtAuth,
      request,
      response: { data: data === version ? answer : { data, metadata: { version: 3 } } },
    }),
  ]
  for (let i = 0; i < 2; i++) {
    const [req, res] = entries(frozenAuth, version)
    await broker.logPair(req!, res!)
    await Promise.all([broker.log(req!), broker.log(res!)])
  }
  const password = broker.hash('file', 'hunter22')
  await broker.close()
  const lines = entryLines(file)
  assert.equal(lines.length, 8)
  for (let i = 0; i < 8; i += 4) assert.deepEqual(lines.slice(i, i + 2), lines.slice(i + 2, i + 4))
  assert.deepEqual(lines.slice(0, 4), lines.slice(4, 8), 'memoised sections give the same text')
  assert.equal(JSON.parse(lines[1]!).response.data.data.password, password)
  const result = verifyAuditLog(readFileSync(file, 'utf8'), broker.publicKeyPem)
  assert.equal(result.ok, true)
})

it("records a token's changed auth section, a new secret version, and a re-enabled device's new salt", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-broker-'))
  const broker = new AuditBroker(new MemoryStorage(), silentLogger, () => FIXED_NOW)
  await broker.load()
  const time = new Date().toISOString()
  const request = { id: 'r5', operation: 'read', path: 'secret/data/x' }
  const pair = (policies: string[], data: JsonObject) => {
    const builtAuth = Object.freeze(buildRequestAuth({ clientToken: 'cvs.t', accessor: 'acc', policies }))
    return broker.logPair(
      buildEntry({ type: 'request', time, builtAuth, request }),
      buildEntry({ type: 'response', time, builtAuth, request, response: { data } }),
    )
  }
  const v1 = Object.freeze({ password: 'one' })
  const v2 = Object.freeze({ password: 'two' })
  await broker.enable('file', 'file', '', { file_path: join(dir, 'a.log') }, false)
  const one = broker.hash('file', 'one')
  const two = broker.hash('file', 'two')
  await pair(['p'], v1)
  await pair(['p', 'q'], v1)
  await pair(['p', 'q'], v2)
  await broker.disable('file')
  await broker.enable('file', 'file', '', { file_path: join(dir, 'b.log') }, false)
  await pair(['p', 'q'], v1)
  const oneAgain = broker.hash('file', 'one')
  await broker.close()
  const a = entryLines(join(dir, 'a.log')).map((line) => JSON.parse(line))
  assert.deepEqual(
    a.map((line) => line.auth.policies),
    [['p'], ['p'], ['p', 'q'], ['p', 'q'], ['p', 'q'], ['p', 'q']],
  )
  assert.deepEqual(
    a.filter((line) => line.type === 'response').map((line) => line.response.data.password),
    [one, one, two],
    'a new version is hashed afresh',
  )
  const b = entryLines(join(dir, 'b.log')).map((line) => JSON.parse(line))
  assert.notEqual(oneAgain, one)
  assert.equal(b[1].response.data.password, oneAgain, 'a re-enabled device hashes with its new salt')
  assert.notEqual(b[0].auth.client_token, a[0].auth.client_token)
})

it('writes many pairs of one turn as one encoded batch, byte for byte the lines, and the chain verifies', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'coffer-broker-')), 'audit.log')
  const broker = new AuditBroker(new MemoryStorage(), silentLogger, () => FIXED_NOW)
  await broker.load()
  await broker.enable('file', 'file', '', { file_path: file }, false)
  const auth = { clientToken: 'cvs.t', accessor: 'acc', displayName: 'tökén 🔑', policies: ['p'] }
  const time = new Date().toISOString()
  // Enough pairs, and long enough data, that the batch's buffer has to grow while they are added.
  const pairs = Array.from({ length: 40 }, (_, i) => {
    const request = { id: `r${i}`, operation: 'read', path: `secret/data/ü${i}` }
    return broker.logPair(
      buildEntry({ type: 'request', time, auth, request }),
      buildEntry({
        type: 'response',
        time,
        auth,
        request,
        response: { data: { note: `中文 𝄞 é ${'y'.repeat(i * 200)}` } as JsonObject },
      }),
    )
  })
  await Promise.all(pairs)
  await broker.close()
  const text = readFileSync(file, 'utf8')
  const all = text.trimEnd().split('\n')
  assert.equal(all.length, 81, 'forty pairs and the closing checkpoint')
  // Each line is exactly its JSON, re-serialised: nothing was cut or mis-encoded at a buffer boundary.
  for (const line of all) assert.equal(JSON.stringify(JSON.parse(line)), line)
  assert.equal(JSON.parse(all[1]!).request.path, 'secret/data/ü0')
  const result = verifyAuditLog(text, broker.publicKeyPem)
  assert.equal(result.ok, true)
  assert.equal(result.entries, 80)
})

it('fails closed for every entry of a batch whose write failed, and records it when another device succeeds', async () => {
  const broker = new AuditBroker(new MemoryStorage(), silentLogger, () => FIXED_NOW)
  await broker.load()
  // /dev/full takes the open and refuses every write (ENOSPC).
  await broker.enable('full', 'file', '', { file_path: '/dev/full' }, false)
  const entry = (id: string) =>
    buildEntry({
      type: 'request',
      time: new Date().toISOString(),
      request: { id, operation: 'read', path: 'x' },
    })
  const results = await Promise.allSettled([
    broker.log(entry('a')),
    broker.logPair(entry('b'), entry('c')),
    broker.log(entry('d')),
  ])
  for (const result of results) {
    assert.equal(result.status, 'rejected')
    assert.ok(result.reason instanceof AuditFailedError)
  }
  const file = join(mkdtempSync(join(tmpdir(), 'coffer-broker-')), 'audit.log')
  await broker.enable('file', 'file', '', { file_path: file }, false)
  await Promise.all([broker.log(entry('e')), broker.logPair(entry('f'), entry('g'))])
  await broker.close()
  assert.equal(verifyAuditLog(readFileSync(file, 'utf8'), broker.publicKeyPem).ok, true)
})

it('writes the same chain on the request thread with writer_thread=false, and refuses a value that is no boolean', async () => {
  const broker = new AuditBroker(new MemoryStorage(), silentLogger, () => FIXED_NOW)
  await broker.load()
  const dir = mkdtempSync(join(tmpdir(), 'coffer-broker-'))
  const entry = (id: string) =>
    buildEntry({
      type: 'request',
      time: '2024-05-01T00:00:00Z',
      auth: buildRequestAuth({ clientToken: 'cvs.t', accessor: 'acc', policies: ['p'] }),
      request: { id, operation: 'read', path: 'secret/data/x' },
    })
  const texts: string[] = []
  for (const writerThread of ['true', 'false']) {
    const file = join(dir, `audit-${writerThread}.log`)
    await broker.enable(writerThread, 'file', '', { file_path: file, writer_thread: writerThread }, false)
    await Promise.all([broker.log(entry('a')), broker.logPair(entry('b'), entry('c'))])
    await broker.disable(writerThread)
    const text = readFileSync(file, 'utf8')
    assert.equal(verifyAuditLog(text, broker.publicKeyPem).ok, true)
    texts.push(text)
  }
  // The devices' salts differ, so compare the lines' shape: the same entries, seqs and a closing checkpoint.
  const shape = (text: string) =>
    text
      .trimEnd()
      .split('\n')
      .map((line) => {
        const { type, seq, request } = JSON.parse(line)
        return [type, seq, request?.id]
      })
  assert.deepEqual(shape(texts[0]!), shape(texts[1]!))
  assert.equal(shape(texts[0]!).length, 4)
  await assert.rejects(
    broker.enable('bad', 'file', '', { file_path: join(dir, 'bad.log'), writer_thread: 'maybe' }, false),
    (error: Error) => error.name !== 'AuditFailedError' && /writer_thread/.test(error.message),
  )
  await broker.close()
})

it('hands subscribers each logged entry as built, counts them as enabled, and record() skips them', async () => {
  const broker = new AuditBroker(new MemoryStorage(), silentLogger, () => FIXED_NOW)
  await broker.load()
  assert.equal(broker.enabled, false)
  const seen: string[] = []
  const unsubscribe = broker.subscribe((entry) => seen.push(`${entry.type} ${entry.request?.client_token}`))
  broker.subscribe(() => {
    throw new Error('a broken subscriber is logged and ignored')
  })
  assert.equal(broker.enabled, true, 'entries are built for a subscriber even without a device')
  const request = buildEntry({
    type: 'request',
    time: 'now',
    request: { id: 'r', operation: 'read', path: 'secret/x', clientToken: 'clear-token' },
  })
  const response = buildEntry({
    type: 'response',
    time: 'now',
    request: { id: 'r', operation: 'read', path: 'secret/x' },
  })
  await broker.log(request)
  await broker.logPair(request, response)
  await broker.record(request)
  assert.deepEqual(seen, ['request clear-token', 'request clear-token', 'response undefined'])
  unsubscribe()
  await broker.log(request)
  assert.equal(seen.length, 3)
  await broker.close()
})

it('logPair from remembered sections writes, byte for byte, the file two log calls write; multi-byte text too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-broker-'))
  const time = new Date().toISOString()
  const request = { id: 'r7', operation: 'read', mountPoint: 'secret/', path: 'secret/data/café/🔑' }
  const builtAuth = Object.freeze(
    buildRequestAuth({ clientToken: 'cvs.t', accessor: 'acc', displayName: 'tøken 日本', policies: ['p'] }),
  )
  // Frozen, as core shares a KV version's answer: the second and third pairs are written from remembered bytes.
  const answer = Object.freeze({ data: Object.freeze({ note: 'naïve ✓ 🔑' }) })
  const write = async (name: string, pair: boolean) => {
    const file = join(dir, `${name}.log`)
    const broker = new AuditBroker(new MemoryStorage(), silentLogger, () => FIXED_NOW)
    await broker.load()
    // Unhashed (log_raw), so two devices' lines compare; chained on this thread (the device's own InlineSink).
    await broker.enable(
      'file',
      'file',
      '',
      { file_path: file, log_raw: 'true', writer_thread: 'false' },
      false,
    )
    for (const id of ['r7', 'r8', 'r9']) {
      const req = buildEntry({ type: 'request', time, builtAuth, request: { ...request, id } })
      const res = buildEntry({
        type: 'response',
        time,
        builtAuth,
        request: { ...request, id },
        builtRequest: req.request,
        response: { data: answer },
      })
      if (pair) await broker.logPair(req, res)
      else await Promise.all([broker.log(req), broker.log(res)])
    }
    await broker.close()
    // The last line is the closing checkpoint, signed with this broker's own key.
    return readFileSync(file, 'utf8').trim().split('\n').slice(0, -1)
  }
  const separate = await write('separate', false)
  const paired = await write('paired', true)
  assert.equal(paired.length, 6)
  assert.deepEqual(paired, separate)
  assert.match(paired[5]!, /"path":"secret\/data\/café\/🔑".*"note":"naïve ✓ 🔑"/)
})

it('of enables racing for one path, exactly one opens a device; the others are refused and open nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-broker-'))
  const broker = new AuditBroker(new MemoryStorage(), silentLogger, () => FIXED_NOW)
  await broker.load()
  const files = Array.from({ length: 6 }, (_, i) => join(dir, `audit-${i}.log`))
  const answers = await Promise.allSettled(
    files.map((file_path) => broker.enable('same', 'file', '', { file_path }, false)),
  )
  const opened = answers.flatMap((a, i) => (a.status === 'fulfilled' ? [files[i]!] : []))
  assert.equal(opened.length, 1, JSON.stringify(answers))
  for (const a of answers)
    if (a.status === 'rejected') assert.match((a.reason as Error).message, /path already in use: same\//)
  assert.deepEqual(readdirSync(dir), [basename(opened[0]!)])
  assert.deepEqual(Object.keys(broker.list()), ['same/'])
  await broker.close()
})
