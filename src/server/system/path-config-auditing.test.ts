// sys/config/auditing/request-headers through the pipeline: sudo, Vault's shapes, hostile input, seal, and the entries.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AppError, InvalidRequestError, PermissionDeniedError } from '../../sdk/errors.ts'
import { putJson, storageView } from '../../sdk/storage.ts'
import { AUDITED_HEADERS_KEY, AUDITED_HEADERS_VIEW } from '../core/audited-headers.ts'
import type { Core } from '../core/core.ts'
import { runPipeline } from '../core/handle-request.ts'
import type { LogicalRequest } from '../core/logical-request.ts'
import { memoryCore, request } from '../core/pipeline/test-helpers.ts'

const BASE = 'sys/config/auditing/request-headers'

describe('sys/config/auditing/request-headers', () => {
  let core: Core
  let rootToken: string
  let share: Uint8Array
  const call = (
    operation: LogicalRequest['operation'],
    path: string,
    data: Record<string, unknown> = {},
    token = rootToken,
  ) => runPipeline(core.services, request(operation, path, token, data))

  before(async () => {
    core = memoryCore()
    await core.start()
    const made = await core.initialize(1, 1, { stayUnsealed: true })
    rootToken = made.rootToken
    share = made.shares[0]!
  })
  after(() => core.close())

  it('lists an empty map at first, and a header not configured is a 400 in Vault’s words', async () => {
    assert.deepEqual(JSON.parse(JSON.stringify((await call('read', BASE))!.data)), { headers: {} })
    await assert.rejects(call('read', `${BASE}/X-Nope`), (error: unknown) => {
      assert.ok(error instanceof InvalidRequestError, String(error))
      assert.equal(error.message, 'Could not find header in config')
      return true
    })
  })

  it('writes a header lower-cased; a read answers under the name as given; the list is lower-cased', async () => {
    assert.equal(await call('update', `${BASE}/X-Test-Header`, { hmac: false }), undefined)
    assert.equal(await call('update', `${BASE}/X-Vault-Header`, { hmac: true }), undefined)
    assert.deepEqual(
      { ...(await call('read', `${BASE}/X-Test-Header`))!.data },
      {
        'X-Test-Header': { hmac: false },
      },
    )
    assert.deepEqual(
      { ...(await call('read', `${BASE}/x-vault-HEADER`))!.data },
      {
        'x-vault-HEADER': { hmac: true },
      },
    )
    assert.deepEqual(JSON.parse(JSON.stringify((await call('read', BASE))!.data)), {
      headers: { 'x-test-header': { hmac: false }, 'x-vault-header': { hmac: true } },
    })
  })

  it('hmac defaults to false and takes Vault’s bool spellings; a rewrite overwrites', async () => {
    await call('update', `${BASE}/X-Default`)
    assert.deepEqual({ ...(await call('read', `${BASE}/x-default`))!.data }, { 'x-default': { hmac: false } })
    await call('update', `${BASE}/X-Default`, { hmac: 'true' })
    assert.deepEqual({ ...(await call('read', `${BASE}/x-default`))!.data }, { 'x-default': { hmac: true } })
    await call('delete', `${BASE}/X-DEFAULT`)
    await assert.rejects(call('read', `${BASE}/x-default`), InvalidRequestError)
  })

  it('hostile input is a 400, never a 500, and changes nothing', async () => {
    const before = JSON.stringify((await call('read', BASE))!.data)
    const bad: [LogicalRequest['operation'], string, Record<string, unknown>][] = [
      ['update', `${BASE}/`, { hmac: true }],
      ['update', `${BASE}/a b`, {}],
      ['update', `${BASE}/a:b`, {}],
      ['update', `${BASE}/a/b`, {}],
      ['update', `${BASE}/x\u00e9`, {}],
      ['update', `${BASE}/${'x'.repeat(257)}`, {}],
      ['update', `${BASE}/X-Ok`, { hmac: 'maybe' }],
      ['update', `${BASE}/X-Ok`, { hmac: { nested: true } }],
      ['update', `${BASE}/X-Ok`, { hmac: ['true'] }],
      ['read', `${BASE}/a b`, {}],
      ['delete', `${BASE}/a b`, {}],
      ['delete', `${BASE}/`, {}],
    ]
    for (const [operation, path, data] of bad) {
      await assert.rejects(call(operation, path, data), (error: unknown) => {
        assert.ok(error instanceof AppError, `${operation} ${path}: ${String(error)}`)
        assert.ok(error.status >= 400 && error.status < 500, `${operation} ${path}: ${error.status}`)
        return true
      })
    }
    assert.equal(JSON.stringify((await call('read', BASE))!.data), before)
  })

  it('every operation needs sudo, as in Vault; the same grant with sudo is enough', async () => {
    const grant = (name: string, sudo: boolean) =>
      call('update', `sys/policies/acl/${name}`, {
        policy: `path "sys/config/auditing/*" { capabilities = ["create", "read", "update", "delete"${sudo ? ', "sudo"' : ''}] }`,
      })
    await grant('hdr-plain', false)
    await grant('hdr-sudo', true)
    const token = async (policy: string) =>
      (await call('update', 'auth/token/create', { policies: [policy] }))!.auth!.client_token
    const plain = await token('hdr-plain')
    const sudo = await token('hdr-sudo')
    for (const [operation, path] of [
      ['read', BASE],
      ['read', `${BASE}/x-test-header`],
      ['update', `${BASE}/x-sneaky`],
      ['delete', `${BASE}/x-test-header`],
    ] as const)
      await assert.rejects(call(operation, path, {}, plain), PermissionDeniedError, `${operation} ${path}`)
    assert.equal(core.services.auditedHeaders.get('x-sneaky'), undefined)
    assert.ok((await call('read', BASE, {}, sudo))!.data)
    await call('update', `${BASE}/x-by-sudo`, {}, sudo)
    await call('delete', `${BASE}/x-by-sudo`, {}, sudo)
  })

  it('is stored behind the barrier and comes back after seal and unseal', async () => {
    const before = JSON.stringify((await call('read', BASE))!.data)
    await core.sealVault()
    assert.equal(await core.unseal(Buffer.from(share)), true)
    assert.equal(JSON.stringify((await call('read', BASE))!.data), before)
    assert.deepEqual(core.services.auditedHeaders.current?.names, ['x-test-header', 'x-vault-header'])
  })

  it('loads what Vault stored (mixed-case names) lower-cased at unseal', async () => {
    const stored = {
      'x-test-header': { hmac: false },
      'x-vault-header': { hmac: true },
      'X-Legacy': { hmac: true },
    }
    await putJson(storageView(core.barrier, AUDITED_HEADERS_VIEW), AUDITED_HEADERS_KEY, stored)
    await core.sealVault()
    assert.equal(await core.unseal(Buffer.from(share)), true)
    assert.deepEqual({ ...(await call('read', `${BASE}/X-LEGACY`))!.data }, { 'X-LEGACY': { hmac: true } })
    await call('delete', `${BASE}/x-legacy`)
  })

  describe('audit entries', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'coffer-audithdr-')), 'audit.log')
    const raw = join(mkdtempSync(join(tmpdir(), 'coffer-audithdr-raw-')), 'audit.log')
    // biome-ignore lint/suspicious/noExplicitAny: audit lines are arbitrary JSON
    const entries = (path: string): any[] =>
      readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line))
        .filter((entry) => entry.type !== 'checkpoint')
    const withHeaders = (
      operation: LogicalRequest['operation'],
      path: string,
      headers: Record<string, string>,
      data: Record<string, unknown> = {},
    ) => runPipeline(core.services, { ...request(operation, path, rootToken, data), headers })
    const hashOf = async (device: string, input: string) =>
      (await call('update', `sys/audit-hash/${device}`, { input }))!.data!['hash'] as string

    before(async () => {
      await call('update', 'sys/audit/hdr', { type: 'file', options: { file_path: file } })
      await call('update', 'sys/audit/hdr-raw', {
        type: 'file',
        options: { file_path: raw, log_raw: 'true' },
      })
    })

    it('a read’s request and response entries carry the configured headers present, HMAC’d or clear by their flag', async () => {
      await withHeaders('read', 'sys/mounts', {
        'x-test-header': 'foo',
        'x-vault-header': 'bar-header-secret',
        'x-other': 'never-recorded',
      })
      const hash = await hashOf('hdr', 'bar-header-secret')
      const pair = entries(file).filter((e) => e.request.path === 'sys/mounts')
      assert.deepEqual(
        pair.map((e) => e.type),
        ['request', 'response'],
      )
      for (const entry of pair)
        assert.deepEqual(entry.request.headers, { 'x-test-header': ['foo'], 'x-vault-header': [hash] })
      const text = readFileSync(file, 'utf8')
      assert.ok(!text.includes('bar-header-secret'))
      assert.ok(!text.includes('never-recorded') && !text.includes('x-other'))
    })

    it('a change’s entries carry them too, and a refused request’s entry', async () => {
      await withHeaders('update', 'cubbyhole/hdr', { 'x-test-header': 'on-write' }, { v: 'x' })
      const written = entries(file).filter((e) => e.request.path === 'cubbyhole/hdr')
      assert.equal(written.length, 2)
      for (const entry of written) assert.deepEqual(entry.request.headers, { 'x-test-header': ['on-write'] })
      await assert.rejects(
        runPipeline(core.services, {
          ...request('read', 'sys/policies/acl/refused', 'not-a-token'),
          headers: { 'x-test-header': 'refused' },
        }),
      )
      const refused = entries(file).findLast((e) => e.request.path === 'sys/policies/acl/refused')
      assert.equal(refused.error, 'permission denied')
      assert.deepEqual(refused.request.headers, { 'x-test-header': ['refused'] })
    })

    it('each device HMACs with its own salt; log_raw leaves hmac headers HMAC’d, as Vault does', async () => {
      await withHeaders('read', 'sys/policies/acl', {
        'x-vault-header': 'per-device',
        'x-test-header': 'clear',
      })
      const hashed = entries(file).findLast((e) => e.request.path === 'sys/policies/acl')
      const rawEntry = entries(raw).findLast((e) => e.request.path === 'sys/policies/acl')
      assert.deepEqual(hashed.request.headers['x-vault-header'], [await hashOf('hdr', 'per-device')])
      assert.deepEqual(rawEntry.request.headers['x-vault-header'], [await hashOf('hdr-raw', 'per-device')])
      assert.notDeepEqual(hashed.request.headers, rawEntry.request.headers)
      assert.deepEqual(rawEntry.request.headers['x-test-header'], ['clear'])
      assert.equal(rawEntry.request.client_token, rootToken, 'the raw device is raw for everything else')
    })

    it('the token headers are never recorded, even when configured', async () => {
      await call('update', `${BASE}/X-Vault-Token`, { hmac: false })
      await call('update', `${BASE}/Authorization`, { hmac: false })
      await withHeaders('read', 'sys/mounts', {
        'x-vault-token': rootToken,
        authorization: `Bearer ${rootToken}`,
        'x-test-header': 'with-tokens',
      })
      const entry = entries(file).findLast((e) => e.request.path === 'sys/mounts')
      assert.deepEqual(entry.request.headers, { 'x-test-header': ['with-tokens'] })
      await call('delete', `${BASE}/x-vault-token`)
      await call('delete', `${BASE}/authorization`)
    })

    it('a header removed is no longer recorded; with none configured, entries have no headers at all', async () => {
      await call('delete', `${BASE}/x-test-header`)
      await withHeaders('read', 'sys/mounts', { 'x-test-header': 'gone', 'x-vault-header': 'still' })
      const one = entries(file).findLast((e) => e.request.path === 'sys/mounts')
      assert.deepEqual(one.request.headers, { 'x-vault-header': [await hashOf('hdr', 'still')] })
      await call('delete', `${BASE}/x-vault-header`)
      assert.equal(core.services.auditedHeaders.current, undefined)
      await withHeaders('read', 'sys/mounts', { 'x-test-header': 'gone', 'x-vault-header': 'gone' })
      const none = entries(file).findLast((e) => e.request.path === 'sys/mounts')
      assert.equal(none.request.headers, undefined)
      assert.ok(!readFileSync(file, 'utf8').includes('gone'))
    })
  })
})
