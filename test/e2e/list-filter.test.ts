// LIST filtering end to end: the policy default, lists of names shown whole, list_filter = "vault", OpenBao's filter path.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parseConfig } from '../../src/server/config/load-config.ts'
import { authMethods, secretEngines } from '../../src/server/registry.ts'
import { client, startDevServer, startServerInTempDir, type TestServer } from '../helpers/server.ts'

const SECRETS = ['team-a/db', 'team-a/api', 'team-b/db', 'shared']

/** list on the KV folders, read on team-a only: the policy default shows team-a/ alone. */
const KV_LIST = `
path "secret/metadata/" { capabilities = ["list"] }
path "secret/metadata/team-a/*" { capabilities = ["list", "read"] }
`

/** OpenBao's form: LIST keys of secret/metadata/ kept when the caller can read (folders: list) secret/data/<key>. */
const KV_FILTER_PATH = `
path "secret/metadata/*" {
  capabilities = ["list"]
  list_scan_response_keys_filter_path = "{{ .path | replace \\"secret/metadata/\\" \\"secret/data/\\" }}{{ .key }}"
}
path "secret/data/shared" { capabilities = ["read"] }
path "secret/data/team-b/" { capabilities = ["list"] }
`

/** list (and sudo where Vault wants it) on lists of names, and read on just one of each. */
const NAMES = `
path "sys/policies/acl" { capabilities = ["list"] }
path "sys/policies/acl/kv-list" { capabilities = ["read"] }
path "auth/token/accessors" { capabilities = ["list", "sudo"] }
path "auth/userpass/users" { capabilities = ["list"] }
path "auth/userpass/users/alice" { capabilities = ["read"] }
path "auth/approle/role" { capabilities = ["list"] }
path "identity/entity/name" { capabilities = ["list"] }
path "sys/leases/lookup/*" { capabilities = ["list", "sudo"] }
`

async function seed(t: TestServer): Promise<void> {
  for (const path of SECRETS) await t.call('POST', `secret/data/${path}`, { body: { data: { v: path } } })
  for (const [name, policy] of [
    ['kv-list', KV_LIST],
    ['kv-filter-path', KV_FILTER_PATH],
    ['names', NAMES],
  ]) {
    assert.equal((await t.call('PUT', `sys/policies/acl/${name}`, { body: { policy } })).status, 204)
  }
}

async function tokenFor(t: TestServer, policy: string): Promise<string> {
  const res = await t.call('POST', 'auth/token/create', { body: { policies: [policy] } })
  return res.body.auth.client_token
}

async function listKeys(t: TestServer, path: string, token: string): Promise<string[] | number> {
  const res = await t.call('LIST', path, { token })
  return res.status === 200 ? res.body.data.keys : res.status
}

describe('LIST filtering (list_filter = "policy", the default)', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
    await seed(t)
  })
  after(() => t.close())

  it('filters KV keys to what the policies reach', async () => {
    assert.deepEqual(await listKeys(t, 'secret/metadata/', await tokenFor(t, 'kv-list')), ['team-a/'])
  })

  it('shows lists of names whole to anyone allowed to list them, as Vault does', async () => {
    for (const [path, body] of [
      ['sys/auth/userpass', { type: 'userpass' }],
      ['sys/auth/approle', { type: 'approle' }],
    ] as const) {
      assert.equal((await t.call('POST', path, { body })).status, 204)
    }
    for (const user of ['alice', 'bob']) {
      await t.call('POST', `auth/userpass/users/${user}`, { body: { password: 'pw-123456' } })
      await t.call('POST', `identity/entity`, { body: { name: user } })
    }
    await t.call('POST', 'auth/approle/role/web', { body: {} })
    await t.call('POST', 'auth/approle/role/batch', { body: {} })
    const token = await tokenFor(t, 'names')

    const policies = await listKeys(t, 'sys/policies/acl', token)
    assert.ok(
      Array.isArray(policies) && policies.includes('kv-list') && policies.includes('root'),
      String(policies),
    )
    assert.deepEqual(await listKeys(t, 'auth/userpass/users', token), ['alice', 'bob'])
    assert.deepEqual(await listKeys(t, 'auth/approle/role', token), ['batch', 'web'])
    assert.deepEqual(await listKeys(t, 'identity/entity/name', token), ['alice', 'bob'])
    const accessors = await listKeys(t, 'auth/token/accessors', token)
    assert.ok(Array.isArray(accessors) && accessors.length >= 2, String(accessors))
  })

  it('declares, for every LIST path of every engine and auth method, whether its keys are paths or names', async () => {
    for (const type of Object.keys(secretEngines)) {
      if (type === 'kv') continue
      assert.equal((await t.call('POST', `sys/mounts/audit-${type}`, { body: { type } })).status, 204)
    }
    await t.call('POST', 'sys/mounts/audit-kv1', { body: { type: 'kv', options: { version: '1' } } })
    for (const type of Object.keys(authMethods)) {
      if (type === 'userpass' || type === 'approle') continue
      assert.equal((await t.call('POST', `sys/auth/audit-${type}`, { body: { type } })).status, 204)
    }
    const undeclared: string[] = []
    let listPaths = 0
    for (const entry of t.server.core.services.mounts.router.entries()) {
      const backend = t.server.core.services.mounts.router.get(entry.path)!.backend
      for (const def of backend.pathDefinitions) {
        if (!def.operations.list) continue
        listPaths++
        if (def.listKeys === undefined) undeclared.push(`${entry.path}${def.pattern}`)
      }
    }
    assert.ok(listPaths >= 20, `only ${listPaths} LIST paths found`)
    assert.deepEqual(undeclared, [])
  })

  it("applies a policy's list_scan_response_keys_filter_path instead of the default filter", async () => {
    // shared is readable under data/, team-b/ listable; team-a/ is reachable by no rule of this policy.
    assert.deepEqual(await listKeys(t, 'secret/metadata/', await tokenFor(t, 'kv-filter-path')), [
      'shared',
      'team-b/',
    ])
  })
})

describe('LIST filtering with list_filter = "vault"', () => {
  let t: TestServer
  before(async () => {
    const config = parseConfig(
      'storage "inmem" {}\nlistener "tcp" { tls_disable = true }\nlist_filter = "vault"',
      'hcl',
    )
    const server = await startServerInTempDir((dir) => ({
      dev: true,
      listenAddress: '127.0.0.1:0',
      dataDir: dir,
      config,
    }))
    t = {
      server,
      address: server.address,
      rootToken: server.rootToken,
      call: client(server.address, server.rootToken),
      close: () => server.close(),
    }
    await seed(t)
  })
  after(() => t.close())

  it('returns every key to anyone allowed to list, as Vault does', async () => {
    assert.deepEqual(await listKeys(t, 'secret/metadata/', await tokenFor(t, 'kv-list')), [
      'shared',
      'team-a/',
      'team-b/',
    ])
  })

  it('still honours list (403 without it)', async () => {
    assert.equal(await listKeys(t, 'secret/metadata/team-b/', await tokenFor(t, 'kv-list')), 403)
  })

  it("still applies a policy's list_scan_response_keys_filter_path", async () => {
    assert.deepEqual(await listKeys(t, 'secret/metadata/', await tokenFor(t, 'kv-filter-path')), [
      'shared',
      'team-b/',
    ])
  })
})
