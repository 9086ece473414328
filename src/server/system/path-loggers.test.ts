// sys/loggers through the pipeline: sudo, Vault's shapes, levels that take effect at once, resets, bad input.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLogger } from '../../lib/logger.ts'
import { InvalidRequestError, NotFoundError, PermissionDeniedError } from '../../sdk/errors.ts'
import { runPipeline } from '../core/handle-request.ts'
import type { LogicalRequest } from '../core/logical-request.ts'
import { request, type TestCore, unsealedCore } from '../core/pipeline/test-helpers.ts'

describe('sys/loggers', () => {
  let t: TestCore
  const lines: { level: string; msg: string; component?: string }[] = []
  const call = (operation: LogicalRequest['operation'], path: string, data: Record<string, unknown> = {}) =>
    runPipeline(t.services, request(operation, path, t.rootToken, data))

  before(async () => {
    t = await unsealedCore({ logger: createLogger('warn', (line) => lines.push(JSON.parse(line))) })
  })
  after(() => t.close())

  it('lists the server log and each component logger at the configured level', async () => {
    const data = (await call('read', 'sys/loggers'))!.data!
    assert.equal(data['core'], 'warn')
    for (const component of ['expiration', 'anomalies', 'identity-tokens'])
      assert.equal(data[component], 'warn', component)
    assert.ok(Object.values(data).every((level) => level === 'warn'))
    assert.deepEqual((await call('read', 'sys/loggers/expiration'))!.data, { expiration: 'warn' })
  })

  it('needs sudo on every operation', async () => {
    await call('update', 'sys/policies/acl/loggers-plain', {
      policy: 'path "sys/loggers*" { capabilities = ["create", "read", "update", "delete"] }',
    })
    const token = (await call('update', 'auth/token/create', { policies: ['loggers-plain'] }))!.auth!
      .client_token
    for (const [operation, path, data] of [
      ['read', 'sys/loggers', {}],
      ['update', 'sys/loggers', { level: 'debug' }],
      ['delete', 'sys/loggers', {}],
      ['read', 'sys/loggers/core', {}],
      ['update', 'sys/loggers/core', { level: 'debug' }],
      ['delete', 'sys/loggers/core', {}],
    ] as const)
      await assert.rejects(
        runPipeline(t.services, request(operation, path, token, { ...data })),
        PermissionDeniedError,
        `${operation} ${path}`,
      )
    assert.equal(t.services.logger.levels!.levelOf(), 'warn')
    // The same grant with sudo is enough.
    await call('update', 'sys/policies/acl/loggers-sudo', {
      policy: 'path "sys/loggers*" { capabilities = ["create", "read", "update", "delete", "sudo"] }',
    })
    const sudo = (await call('update', 'auth/token/create', { policies: ['loggers-sudo'] }))!.auth!
      .client_token
    const read = await runPipeline(t.services, request('read', 'sys/loggers/core', sudo))
    assert.deepEqual(read!.data, { core: 'warn' })
  })

  it('a level set for all takes effect at once; one logger can differ; DELETE goes back to the configured level', async () => {
    const expiration = t.services.logger.child({ component: 'expiration' })
    lines.length = 0
    await call('update', 'sys/loggers', { level: 'debug' })
    t.services.logger.log('debug', 'core debug')
    expiration.log('debug', 'expiration debug')
    await call('update', 'sys/loggers/expiration', { level: 'ERROR' })
    expiration.log('warn', 'expiration warn')
    assert.deepEqual((await call('read', 'sys/loggers/expiration'))!.data, { expiration: 'error' })
    await call('delete', 'sys/loggers/expiration')
    assert.deepEqual((await call('read', 'sys/loggers/expiration'))!.data, { expiration: 'warn' })
    assert.equal((await call('read', 'sys/loggers'))!.data!['core'], 'debug')
    await call('delete', 'sys/loggers')
    t.services.logger.log('info', 'core info')
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['core debug', 'expiration debug'],
    )
    const all = (await call('read', 'sys/loggers'))!.data!
    assert.ok(Object.values(all).every((level) => level === 'warn'))
  })

  it("accepts Vault's spellings: trace is Coffer's debug, warning is warn", async () => {
    await call('update', 'sys/loggers/core', { level: 'trace' })
    assert.deepEqual((await call('read', 'sys/loggers/core'))!.data, { core: 'debug' })
    await call('update', 'sys/loggers/core', { level: 'warning' })
    assert.deepEqual((await call('read', 'sys/loggers/core'))!.data, { core: 'warn' })
  })

  it('an invalid level or an unknown logger is a 400 (404 to read), and nothing changes', async () => {
    for (const [path, data, message] of [
      ['sys/loggers', {}, /level is required/],
      ['sys/loggers', { level: 'verbose' }, /invalid level "verbose"/],
      ['sys/loggers/core', { level: '' }, /level is required/],
      ['sys/loggers/core', { level: 'loud' }, /invalid level "loud"/],
      ['sys/loggers/nope', { level: 'info' }, /no logger named "nope"/],
    ] as const)
      await assert.rejects(call('update', path, { ...data }), (error: unknown) => {
        assert.ok(error instanceof InvalidRequestError, String(error))
        assert.match(error.message, message)
        return true
      })
    await assert.rejects(call('delete', 'sys/loggers/nope'), InvalidRequestError)
    await assert.rejects(call('read', 'sys/loggers/nope'), NotFoundError)
    const all = (await call('read', 'sys/loggers'))!.data!
    assert.ok(Object.values(all).every((level) => level === 'warn'))
    assert.equal(all['nope'], undefined)
  })
})
