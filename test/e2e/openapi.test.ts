// sys/internal/specs/openapi over HTTP with every registered engine and auth method enabled: a valid, secret-free document.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { authMethods, secretEngines } from '../../src/server/registry.ts'
import { runPython } from '../helpers/python.ts'
import { pythonModules, skipUnless } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const METHODS = ['get', 'post', 'patch', 'delete'] as const

// biome-ignore lint/suspicious/noExplicitAny: the document is checked structurally, field by field
type Doc = any

/** The structural rules an OpenAPI consumer (a code generator, a UI) relies on; returns what breaks them. */
function structuralProblems(doc: Doc): string[] {
  const problems: string[] = []
  const ids = new Map<string, string>()
  for (const [path, item] of Object.entries<Doc>(doc.paths)) {
    const ops = METHODS.filter((method) => item[method])
    if (ops.length === 0) problems.push(`${path}: no operation`)
    const declared = new Set(
      (item.parameters ?? []).filter((p: Doc) => p.in === 'path').map((p: Doc) => p.name),
    )
    for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
      if (!declared.has(name)) problems.push(`${path}: no parameter entry for {${name}}`)
    }
    for (const method of ops) {
      const id = item[method].operationId
      if (!id) problems.push(`${method} ${path}: no operationId`)
      else if (ids.has(id)) problems.push(`${method} ${path}: operationId ${id} also used by ${ids.get(id)}`)
      else ids.set(id, `${method} ${path}`)
      if (!item[method].responses || Object.keys(item[method].responses).length === 0)
        problems.push(`${method} ${path}: no responses`)
    }
  }
  for (const [, name] of JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
    if (!doc.components.schemas[name!]) problems.push(`dangling $ref to ${name}`)
  }
  return problems
}

describe('sys/internal/specs/openapi', () => {
  let t: TestServer
  const secrets = ['kv-value-8c1f0e2d', 'userpass-pw-5a7b9c1d']
  before(async () => {
    t = await startDevServer()
    for (const type of Object.keys(secretEngines)) {
      if (type === 'kv') continue
      assert.equal((await t.call('POST', `sys/mounts/${type}`, { body: { type } })).status, 204, type)
    }
    assert.equal((await t.call('POST', 'sys/mounts/kv1', { body: { type: 'kv-v1' } })).status, 204)
    for (const type of Object.keys(authMethods))
      assert.equal((await t.call('POST', `sys/auth/${type}`, { body: { type } })).status, 204, type)
    // A second mount of one type must not repeat the first one's operationIds.
    assert.equal((await t.call('POST', 'sys/auth/people', { body: { type: 'userpass' } })).status, 204)
    // Stored secrets and issued credentials, none of which may reach the document.
    await t.call('POST', 'secret/data/app', { body: { data: { password: secrets[0] } } })
    await t.call('POST', 'kv1/app', { body: { password: secrets[0] } })
    await t.call('POST', 'auth/userpass/users/alice', { body: { password: secrets[1] } })
    await t.call('POST', 'auth/approle/role/ci', { body: { token_policies: ['default'] } })
    secrets.push((await t.call('GET', 'auth/approle/role/ci/role-id')).body.data.role_id)
    secrets.push((await t.call('POST', 'auth/approle/role/ci/secret-id')).body.data.secret_id)
    secrets.push(t.rootToken)
  })
  after(() => t.close())

  it('documents every mount, engine and auth method in a structurally valid OpenAPI 3.0.2 document', async () => {
    const res = await t.call('GET', 'sys/internal/specs/openapi')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    // The bare document, as Vault returns it: no request_id or data envelope.
    assert.equal(res.body.request_id, undefined)
    assert.equal(res.body.openapi, '3.0.2')
    assert.equal(res.body.info.title, 'Coffer API')
    assert.deepEqual(structuralProblems(res.body), [])
    const paths = Object.keys(res.body.paths)
    for (const mount of [
      'sys',
      'secret',
      'kv1',
      'cubbyhole',
      'identity',
      'database',
      'auth/token',
      'auth/people',
    ])
      assert.ok(
        paths.some((path) => path.startsWith(`/${mount}/`)),
        mount,
      )
    for (const type of Object.keys(authMethods))
      assert.ok(
        paths.some((path) => path.startsWith(`/auth/${type}/`)),
        type,
      )
    assert.ok(res.body.paths['/secret/data/{path}'].post)
    assert.ok(res.body.paths['/secret/metadata/{path}/'].get.parameters.some((p: Doc) => p.name === 'list'))
    assert.ok(res.body.paths['/kv1/{path}'].get)
    assert.equal(res.body.paths['/auth/userpass/login/{username}']['x-vault-unauthenticated'], true)
    assert.equal(res.body.paths['/sys/audit/{path}']['x-vault-sudo'], true)
    assert.equal(res.body.paths['/sys/internal/specs/openapi']['x-vault-unauthenticated'], true)
    assert.deepEqual(res.body.paths['/sys/mounts'].get.tags, ['system'])
    assert.deepEqual(res.body.paths['/auth/approle/login'].post.tags, ['auth'])
  })

  it('never contains a stored secret, an issued credential or a token', async () => {
    const text = JSON.stringify((await t.call('GET', 'sys/internal/specs/openapi')).body)
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret reached the document')
  })

  it('replaces mount paths with parameters under generic_mount_paths=true', async () => {
    const res = await t.call('GET', 'sys/internal/specs/openapi?generic_mount_paths=true')
    assert.equal(res.status, 200)
    assert.deepEqual(structuralProblems(res.body), [])
    const item = res.body.paths['/auth/{userpass_mount_path}/users/{username}']
    assert.ok(item)
    assert.ok(
      item.parameters.some((p: Doc) => p.name === 'userpass_mount_path' && p.schema.default === 'userpass'),
    )
    assert.ok(res.body.paths['/{secret_mount_path}/data/{path}'])
    // Built-in mounts stay where they are.
    assert.ok(res.body.paths['/sys/mounts'])
    assert.ok(res.body.paths['/auth/token/create'])
  })

  it('shows a token only the mounts it has rules in, and no token only mounts tuned listing_visibility=unauth', async () => {
    await t.call('POST', 'sys/policies/acl/app', {
      body: { policy: 'path "secret/data/app" { capabilities = ["read"] }' },
    })
    const token = (await t.call('POST', 'auth/token/create', { body: { policies: ['app'] } })).body.auth
      .client_token
    const limited = Object.keys((await t.call('GET', 'sys/internal/specs/openapi', { token })).body.paths)
    assert.ok(limited.includes('/secret/data/{path}'))
    assert.ok(!limited.some((path) => path.startsWith('/auth/userpass/') || path.startsWith('/kv1/')))

    const none = await t.call('GET', 'sys/internal/specs/openapi', { token: '' })
    assert.equal(none.status, 200)
    assert.deepEqual(none.body.paths, {})
    assert.equal(
      (await t.call('POST', 'sys/auth/userpass/tune', { body: { listing_visibility: 'unauth' } })).status,
      204,
    )
    const unauth = Object.keys((await t.call('GET', 'sys/internal/specs/openapi', { token: '' })).body.paths)
    assert.ok(unauth.length > 0)
    assert.ok(unauth.every((path) => path.startsWith('/auth/userpass/')))
  })

  it("reads with Python's json.load, walking paths and methods as a Vault client's generator does", async (ctx) => {
    if (await skipUnless(ctx, pythonModules('json'))) return
    const script = [
      'import json, os, urllib.request',
      'req = urllib.request.Request(os.environ["ADDR"] + "/v1/sys/internal/specs/openapi", headers={"X-Vault-Token": os.environ["TOKEN"]})',
      'doc = json.load(urllib.request.urlopen(req))',
      'ops = [(p, m, o["operationId"]) for p, item in doc["paths"].items() for m, o in item.items() if m in ("get", "post", "patch", "delete")]',
      'print(json.dumps({"version": doc["openapi"], "paths": len(doc["paths"]), "ops": len(ops), "unique": len({o for _, _, o in ops})}))',
    ].join('\n')
    const result = await runPython(['-c', script], { ADDR: t.address, TOKEN: t.rootToken })
    assert.equal(result.code, 0, result.stderr)
    const seen = JSON.parse(result.stdout)
    assert.equal(seen.version, '3.0.2')
    assert.ok(seen.paths > 50)
    assert.equal(seen.unique, seen.ops)
  })
})
