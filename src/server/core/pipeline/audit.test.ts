// The audit stage in process, through its exported functions and the lines a file device writes: order, fail-closed.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { isAppError, PermissionDeniedError } from '../../../sdk/errors.ts'
import { runPipeline } from '../handle-request.ts'
import type { LogicalRequest } from '../logical-request.ts'
import { requestAudit } from './audit.ts'
import { authenticate } from './authenticate.ts'
import { authorise } from './authorise.ts'
import { ungranted } from './grant.ts'
import { runHandler } from './handle.ts'
import { routeRequest } from './route.ts'
import { request, type TestCore, unsealedCore } from './test-helpers.ts'

/** A request taken through route, authenticate and authorise, with its audit stage, as runPipeline does. */
async function staged(t: TestCore, req: LogicalRequest) {
  const routed = routeRequest(t.services, req)
  const auth = await authenticate(t.services, req, routed)
  const audit = requestAudit(t.services, req, routed, auth)
  await authorise(t.services, req, routed, auth, audit)
  return { routed, audit }
}

/** The refusal an audit device failure becomes: a 500, never the answer. */
const auditFailure = (error: unknown) => isAppError(error) && error.status === 500

describe('pipeline stage: audit, with no device enabled', () => {
  let t: TestCore
  before(async () => {
    t = await unsealedCore()
  })
  after(() => t.close())

  it('records nothing and builds no outcome; a denial is still a 403', async () => {
    assert.equal(t.services.audit.enabled, false)
    const req = request('update', 'secret/data/quiet', t.rootToken, { data: { a: 1 } })
    const { audit } = await staged(t, req)
    await audit.beforeHandle()
    assert.equal(audit.outcome({ data: { a: 1 } }), undefined, 'no write is started')
    assert.equal(audit.outcome(undefined, 'failed'), undefined)
    await audit.refuse('not recorded anywhere')
    await assert.rejects(audit.deny(), PermissionDeniedError)
  })
})

describe('pipeline stage: audit, with a file device', () => {
  let t: TestCore
  let dir: string
  let file: string
  before(async () => {
    t = await unsealedCore()
    dir = mkdtempSync(join(tmpdir(), 'coffer-audit-stage-'))
    file = join(dir, 'audit.log')
    await runPipeline(
      t.services,
      request('update', 'sys/audit/file', t.rootToken, { type: 'file', options: { file_path: file } }),
    )
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  // biome-ignore lint/suspicious/noExplicitAny: audit lines are arbitrary JSON
  const entriesOf = (id: string): any[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.request?.id === id)

  it("a change's request entry is on record before its handler runs, its response entry after", async () => {
    const req = request('update', 'secret/data/change', t.rootToken, { data: { a: 1 } })
    const { routed, audit } = await staged(t, req)
    assert.deepEqual(entriesOf(req.id), [], 'nothing is recorded before beforeHandle')
    await audit.beforeHandle()
    const before = entriesOf(req.id)
    assert.deepEqual(
      before.map((e) => [e.type, e.request.operation, e.request.path]),
      [['request', 'create', 'secret/data/change']],
    )
    assert.equal(before[0].error, undefined)
    const out = ungranted(await runHandler(routed, audit))
    assert.equal(out?.data?.['version'], 1)
    await audit.outcome(out)
    const entries = entriesOf(req.id)
    assert.deepEqual(
      entries.map((e) => e.type),
      ['request', 'response'],
    )
    // Response values are HMAC'd like request values.
    assert.match(entries[1].response.data.version, /^hmac-sha256:/)
  })

  it("a read's request and response entries are written together, once the answer is known", async () => {
    await runPipeline(t.services, request('update', 'secret/data/read-me', t.rootToken, { data: { a: 1 } }))
    const req = request('read', 'secret/data/read-me', t.rootToken)
    const { routed, audit } = await staged(t, req)
    await audit.beforeHandle()
    assert.deepEqual(entriesOf(req.id), [], 'a read records nothing before its handler')
    const out = ungranted(await runHandler(routed, audit))
    await audit.outcome(out)
    const entries = entriesOf(req.id)
    assert.deepEqual(
      entries.map((e) => [e.type, e.request.operation]),
      [
        ['request', 'read'],
        ['response', 'read'],
      ],
    )
    assert.equal(entries[1].seq, entries[0].seq + 1, 'the pair is adjacent in the chain')
    assert.match(entries[1].response.data.data.a, /^hmac-sha256:/)
  })

  it('a failed handler is recorded with its error as the response', async () => {
    const req = request('update', 'secret/config', t.rootToken, { max_versions: 'not a number' })
    const { routed, audit } = await staged(t, req)
    await audit.beforeHandle()
    await assert.rejects(runHandler(routed, audit))
    const entries = entriesOf(req.id)
    assert.deepEqual(
      entries.map((e) => e.type),
      ['request', 'response'],
    )
    assert.equal(typeof entries[1].error, 'string')
    assert.notEqual(entries[1].error, '')
  })

  it('a denial is recorded as a refused request, then answered 403', async () => {
    const req = request('read', 'secret/data/denied', '')
    const routed = routeRequest(t.services, req)
    const audit = requestAudit(t.services, req, routed, undefined)
    await assert.rejects(audit.deny(), PermissionDeniedError)
    const denied = entriesOf(req.id)
    assert.deepEqual(
      denied.map((e) => [e.type, e.error]),
      [['request', 'permission denied']],
    )
    const other = request('read', 'secret/data/refused', '')
    const refusal = requestAudit(t.services, other, routeRequest(t.services, other), undefined)
    await refusal.refuse('wrapping token is not valid')
    assert.deepEqual(
      entriesOf(other.id).map((e) => [e.type, e.error]),
      [['request', 'wrapping token is not valid']],
    )
  })

  it('the whole pipeline answers a request without a token 403, with the refusal on record', async () => {
    const req = request('read', 'secret/data/anyone', '')
    await assert.rejects(runPipeline(t.services, req), PermissionDeniedError)
    assert.deepEqual(
      entriesOf(req.id).map((e) => [e.type, e.error]),
      [['request', 'permission denied']],
    )
  })
})

describe('pipeline stage: audit fails closed', () => {
  let t: TestCore
  before(async () => {
    t = await unsealedCore()
    await runPipeline(t.services, request('update', 'secret/data/kept', t.rootToken, { data: { v: 'old' } }))
    // /dev/full accepts the open and fails every write (ENOSPC): a device that can never record.
    await runPipeline(
      t.services,
      request('update', 'sys/audit/full', t.rootToken, { type: 'file', options: { file_path: '/dev/full' } }),
    )
  })
  after(() => t.close())

  it('a change is refused before its handler runs when its request cannot be recorded', async () => {
    const req = request('update', 'secret/data/kept', t.rootToken, { data: { v: 'new' } })
    const { audit } = await staged(t, req)
    await assert.rejects(audit.beforeHandle(), auditFailure)
    await assert.rejects(
      runPipeline(t.services, request('update', 'secret/data/kept', t.rootToken, { data: { v: 'new' } })),
      auditFailure,
    )
    await assert.rejects(
      runPipeline(t.services, request('update', 'secret/data/never', t.rootToken, { data: { v: 1 } })),
      auditFailure,
    )
  })

  it('a read is not answered when its entries cannot be recorded, and a denial is a 500, not a 403', async () => {
    await assert.rejects(
      runPipeline(t.services, request('read', 'secret/data/kept', t.rootToken)),
      auditFailure,
    )
    const req = request('read', 'secret/data/kept', '')
    const audit = requestAudit(t.services, req, routeRequest(t.services, req), undefined)
    await assert.rejects(audit.deny(), auditFailure)
  })

  it('the broken device can still be disabled, and nothing refused above was changed', async () => {
    assert.equal(await runPipeline(t.services, request('delete', 'sys/audit/full', t.rootToken)), undefined)
    assert.equal(t.services.audit.enabled, false)
    const kept = await runPipeline(t.services, request('read', 'secret/data/kept', t.rootToken))
    assert.deepEqual(kept?.data?.['data'], { v: 'old' })
    assert.deepEqual(kept?.data?.['metadata'], { ...(kept?.data?.['metadata'] as object), version: 1 })
    assert.equal(await runPipeline(t.services, request('read', 'secret/data/never', t.rootToken)), undefined)
  })
})
