// The filter stage in process: which LIST keys a caller keeps, in each list_filter mode and with a filter path.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { runPipeline } from '../handle-request.ts'
import type { CoreResponse, LogicalRequest } from '../logical-request.ts'
import { requestAudit } from './audit.ts'
import { authenticate } from './authenticate.ts'
import { authorise } from './authorise.ts'
import { filterList } from './filter-list.ts'
import { ungranted } from './grant.ts'
import { runHandler } from './handle.ts'
import { routeRequest } from './route.ts'
import { request, type TestCore, unsealedCore } from './test-helpers.ts'

const SECRETS = ['team-a/db', 'team-b/db', 'shared', 'other']

const POLICIES: Record<string, string> = {
  // list on the folders; read on shared only, and anything under team-a/.
  'kv-some': `
path "secret/metadata/" { capabilities = ["list"] }
path "secret/data/shared" { capabilities = ["read"] }
path "secret/data/team-a/*" { capabilities = ["read"] }
`,
  // list and nothing else: every key is out of reach.
  'kv-list-only': `path "secret/metadata/" { capabilities = ["list"] }`,
  // OpenBao's form: keys kept where the caller may read secret/data/<key> (list it, for a folder).
  'kv-filter-path': `
path "secret/metadata/" {
  capabilities = ["list"]
  list_scan_response_keys_filter_path = "{{ .path | replace \\"secret/metadata/\\" \\"secret/data/\\" }}{{ .key }}"
}
path "secret/data/other" { capabilities = ["read"] }
path "secret/data/team-b/" { capabilities = ["list"] }
`,
}

describe('pipeline stage: filter (LIST keys)', () => {
  let t: TestCore
  const tokens: Record<string, string> = {}
  before(async () => {
    t = await unsealedCore()
    for (const path of SECRETS)
      await runPipeline(t.services, request('update', `secret/data/${path}`, t.rootToken, { data: { v: 1 } }))
    for (const [name, policy] of Object.entries(POLICIES)) {
      await runPipeline(t.services, request('update', `sys/policies/acl/${name}`, t.rootToken, { policy }))
      const created = await runPipeline(
        t.services,
        request('update', 'auth/token/create', t.rootToken, { policies: [name] }),
      )
      tokens[name] = created!.auth!.client_token
    }
  })
  after(() => t.close())

  /** The request through route, authenticate, authorise and the handler: what the filter stage is handed. */
  async function upToFilter(req: LogicalRequest) {
    const routed = routeRequest(t.services, req)
    const auth = await authenticate(t.services, req, routed)
    const audit = requestAudit(t.services, req, routed, auth)
    const acl = await authorise(t.services, req, routed, auth, audit)
    const out = ungranted(await runHandler(routed, audit))
    return { routed, auth, acl, out }
  }

  async function keysFor(token: string, services = t.services): Promise<unknown[] | undefined> {
    const { routed, auth, acl, out } = await upToFilter(request('list', 'secret/metadata', token))
    assert.deepEqual(out?.data?.['keys'], ['other', 'shared', 'team-a/', 'team-b/'], 'the handler lists all')
    const filtered = await filterList(services, routed, out, acl, auth)
    return filtered === undefined ? undefined : (filtered.data?.['keys'] as unknown[])
  }

  it("keeps the keys the caller can reach, through the mount's data/ alias, and folders with a rule below", async () => {
    assert.deepEqual(await keysFor(tokens['kv-some']!), ['shared', 'team-a/'])
  })

  it("leaves a root token's list whole", async () => {
    assert.deepEqual(await keysFor(t.rootToken), ['other', 'shared', 'team-a/', 'team-b/'])
  })

  it('answers a list with no reachable key as a missing one (404)', async () => {
    assert.equal(await keysFor(tokens['kv-list-only']!), undefined)
  })

  it('with list_filter = "vault" returns every key to whoever may list', async () => {
    const vaultMode = { ...t.services, listFilter: 'vault' as const }
    assert.deepEqual(await keysFor(tokens['kv-list-only']!, vaultMode), [
      'other',
      'shared',
      'team-a/',
      'team-b/',
    ])
  })

  it("applies a policy's list_scan_response_keys_filter_path, in either mode", async () => {
    const token = tokens['kv-filter-path']!
    assert.deepEqual(await keysFor(token), ['other', 'team-b/'])
    assert.deepEqual(await keysFor(token, { ...t.services, listFilter: 'vault' as const }), [
      'other',
      'team-b/',
    ])
  })

  it('passes anything but a LIST through untouched', async () => {
    const req = request('read', 'secret/data/other', tokens['kv-list-only']!)
    const routed = routeRequest(t.services, req)
    const auth = await authenticate(t.services, req, routed)
    const out: CoreResponse = { data: { keys: ['secret-looking'] } }
    assert.equal(await filterList(t.services, routed, out, undefined, auth), out)
    assert.deepEqual(out.data, { keys: ['secret-looking'] })
  })
})
