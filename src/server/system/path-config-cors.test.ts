// sys/config/cors through the pipeline: sudo, Vault's shapes, validation, persistence across seal, concurrent writes.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { InvalidRequestError, PermissionDeniedError } from '../../sdk/errors.ts'
import { putJson } from '../../sdk/storage.ts'
import type { Core } from '../core/core.ts'
import { CORS_CONFIG_KEY, STANDARD_ALLOWED_HEADERS } from '../core/cors-config.ts'
import { runPipeline } from '../core/handle-request.ts'
import type { LogicalRequest } from '../core/logical-request.ts'
import { memoryCore, request } from '../core/pipeline/test-helpers.ts'

describe('sys/config/cors', () => {
  let core: Core
  let rootToken: string
  let share: Uint8Array
  const call = (
    operation: LogicalRequest['operation'],
    data: Record<string, unknown> = {},
    token = rootToken,
  ) => runPipeline(core.services, request(operation, 'sys/config/cors', token, data))

  before(async () => {
    core = memoryCore()
    await core.start()
    const made = await core.initialize(1, 1, { stayUnsealed: true })
    rootToken = made.rootToken
    share = made.shares[0]!
  })
  after(() => core.close())

  it('is disabled at first, and a read shows only enabled: false (as Vault)', async () => {
    const answer = await call('read')
    assert.deepEqual(answer!.data, { enabled: false })
    assert.equal(core.services.cors.current.enabled, false)
  })

  it('every operation needs sudo: a policy granting the operation alone is refused', async () => {
    await runPipeline(
      core.services,
      request('update', 'sys/policies/acl/cors-plain', rootToken, {
        policy: 'path "sys/config/cors" { capabilities = ["create", "read", "update", "delete"] }',
      }),
    )
    const created = await runPipeline(
      core.services,
      request('update', 'auth/token/create', rootToken, { policies: ['cors-plain'] }),
    )
    const plain = created!.auth!.client_token
    for (const [operation, data] of [
      ['read', {}],
      ['update', { allowed_origins: '*' }],
      ['delete', {}],
    ] as const)
      await assert.rejects(call(operation, { ...data }, plain), PermissionDeniedError, operation)
    assert.equal(core.services.cors.current.enabled, false)
    // The same grant with sudo is enough.
    await runPipeline(
      core.services,
      request('update', 'sys/policies/acl/cors-sudo', rootToken, {
        policy: 'path "sys/config/cors" { capabilities = ["create", "read", "update", "delete", "sudo"] }',
      }),
    )
    const sudo = (await runPipeline(
      core.services,
      request('update', 'auth/token/create', rootToken, { policies: ['cors-sudo'] }),
    ))!.auth!.client_token
    assert.deepEqual((await call('read', {}, sudo))!.data, { enabled: false })
  })

  it('enables with a comma-separated string or a list; extra headers follow the standard ones', async () => {
    await call('update', {
      allowed_origins: 'https://a.example, https://b.example',
      allowed_headers: 'X-Custom-Header',
    })
    assert.deepEqual((await call('read'))!.data, {
      enabled: true,
      allowed_origins: ['https://a.example', 'https://b.example'],
      allowed_headers: [...STANDARD_ALLOWED_HEADERS, 'X-Custom-Header'],
    })
    await call('update', {
      allowed_origins: ['https://c.example'],
      allowed_headers: ['authorization', 'X-One'],
    })
    assert.deepEqual((await call('read'))!.data, {
      enabled: true,
      allowed_origins: ['https://c.example'],
      // A standard header named again (in any case) is not repeated.
      allowed_headers: [...STANDARD_ALLOWED_HEADERS, 'X-One'],
    })
  })

  it('bad input is a 400 naming the problem, and the settings in force do not change', async () => {
    const before = (await call('read'))!.data
    for (const [data, message] of [
      [{}, /allowed_origins is required/],
      [{ allowed_origins: '' }, /allowed_origins is required/],
      [{ allowed_origins: '*,https://a.example' }, /'\*' must be the only value/],
      [{ allowed_origins: 'https://*.example' }, /a wildcard must be the only value/],
      [{ allowed_origins: '*', allowed_headers: 'X-Bad\r\nSet-Cookie: x' }, /invalid header name/],
      // Not a number: a lone scalar is a list of one in Vault's TypeCommaStringSlice.
      [{ allowed_origins: { origin: '*' } }, /allowed_origins/],
      [{ allowed_origins: '*', enabled: 'maybe' }, /enabled/],
    ] as const) {
      await assert.rejects(call('update', { ...data }), (error: unknown) => {
        assert.ok(error instanceof InvalidRequestError, String(error))
        assert.match(error.message, message)
        return true
      })
    }
    assert.deepEqual((await call('read'))!.data, before)
  })

  it('DELETE and enabled: false both disable; the lists are dropped', async () => {
    await call('delete')
    assert.deepEqual((await call('read'))!.data, { enabled: false })
    await call('update', { allowed_origins: '*' })
    assert.equal(core.services.cors.current.enabled, true)
    await call('update', { enabled: false })
    assert.deepEqual((await call('read'))!.data, { enabled: false })
  })

  it('the settings are stored behind the barrier and come back after seal and unseal', async () => {
    await call('update', { allowed_origins: 'https://kept.example', allowed_headers: 'X-Kept' })
    await core.sealVault()
    assert.equal(await core.unseal(Buffer.from(share)), true)
    assert.deepEqual((await call('read'))!.data, {
      enabled: true,
      allowed_origins: ['https://kept.example'],
      allowed_headers: [...STANDARD_ALLOWED_HEADERS, 'X-Kept'],
    })
  })

  it('a stored entry is taken as stored: one the current checks would refuse does not stop an unseal', async () => {
    await putJson(core.barrier, CORS_CONFIG_KEY, {
      enabled: true,
      allowed_origins: ['https://*.legacy.example'],
      allowed_headers: ['X-Old'],
    })
    await core.sealVault()
    assert.equal(await core.unseal(Buffer.from(share)), true)
    assert.deepEqual((await call('read'))!.data, {
      enabled: true,
      allowed_origins: ['https://*.legacy.example'],
      allowed_headers: ['X-Old'],
    })
  })

  it('concurrent writes leave the settings in force equal to the stored ones', async () => {
    const origins = Array.from({ length: 20 }, (_, i) => `https://n${i}.example`)
    await Promise.all(
      origins.map((origin, i) =>
        i % 5 === 4 ? call('delete') : call('update', { allowed_origins: origin }),
      ),
    )
    const inForce = core.services.cors.current
    await core.sealVault()
    assert.equal(await core.unseal(Buffer.from(share)), true)
    assert.deepEqual(core.services.cors.current, inForce)
  })
})
