// sys/internal/ui/resultant-acl: the caller's merged rules in Vault's shape, for a policy token, an entity and root.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { runPipeline } from '../core/handle-request.ts'
import type { LogicalRequest } from '../core/logical-request.ts'
import { request, type TestCore, unsealedCore } from '../core/pipeline/test-helpers.ts'

describe('sys/internal/ui/resultant-acl', () => {
  let t: TestCore
  const call = (
    operation: LogicalRequest['operation'],
    path: string,
    data: Record<string, unknown> = {},
    token?: string,
  ) => runPipeline(t.services, request(operation, path, token ?? t.rootToken, data))

  before(async () => {
    t = await unsealedCore()
    await call('update', 'sys/policies/acl/app', {
      policy: `
        path "secret/data/app/*" { capabilities = ["read", "list"] }
        path "secret/data/app/config" { capabilities = ["update"] }
        path "secret/metadata/+/team" { capabilities = ["read"] }
        path "transit/encrypt/app" { capabilities = ["update"] }`,
    })
    await call('update', 'sys/policies/acl/more', {
      policy: `
        path "secret/data/app/*" { capabilities = ["create"] }
        path "sys/mounts" { capabilities = ["deny"] }`,
    })
  })
  after(() => t.close())

  it("shows a token's merged rules: exact paths, and glob paths by their prefix (the default policy's too)", async () => {
    const token = (await call('update', 'auth/token/create', { policies: ['app', 'more'] }))!.auth!
      .client_token
    const data = (await call('read', 'sys/internal/ui/resultant-acl', {}, token))!.data!
    assert.deepEqual(Object.keys(data).sort(), ['chroot_namespace', 'exact_paths', 'glob_paths', 'root'])
    assert.equal(data['root'], false)
    assert.equal(data['chroot_namespace'], '')
    const exact = data['exact_paths'] as Record<string, { capabilities: string[] }>
    const glob = data['glob_paths'] as Record<string, { capabilities: string[] }>
    assert.deepEqual(exact['secret/data/app/config'], { capabilities: ['update'] })
    assert.deepEqual(exact['secret/metadata/+/team'], { capabilities: ['read'] })
    assert.deepEqual(exact['transit/encrypt/app'], { capabilities: ['update'] })
    assert.deepEqual(exact['sys/mounts'], { capabilities: ['deny'] })
    // Two policies' rules for one pattern are merged, as the ACL decides by them.
    assert.deepEqual(glob['secret/data/app/'], { capabilities: ['create', 'list', 'read'] })
    // The default policy is part of every token's ACL, this path among its rules.
    assert.deepEqual(exact['sys/internal/ui/resultant-acl'], { capabilities: ['read'] })
    assert.ok(glob['cubbyhole/'], 'the default policy grants cubbyhole/*')
    assert.equal(exact['secret/data/app/*'], undefined, 'glob rules are not listed as exact paths')
  })

  it('a default-only token sees only the default rules; root is marked root with no rules', async () => {
    const token = (await call('update', 'auth/token/create', { policies: ['default'] }))!.auth!.client_token
    const data = (await call('read', 'sys/internal/ui/resultant-acl', {}, token))!.data!
    const exact = data['exact_paths'] as Record<string, unknown>
    assert.equal(exact['secret/data/app/config'], undefined)
    assert.ok(exact['auth/token/lookup-self'])
    const root = (await call('read', 'sys/internal/ui/resultant-acl'))!.data!
    assert.deepEqual(root, { exact_paths: {}, glob_paths: {}, root: true, chroot_namespace: '' })
  })
})
