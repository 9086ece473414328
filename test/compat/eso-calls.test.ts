// External Secrets Operator's Vault provider, call for call: each request its Go client sends and each field it reads.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { TestPki } from '../helpers/pki.ts'
import { type Reply, startDevServer, type TestServer } from '../helpers/server.ts'
import { makeSelfSignedCert } from '../helpers/tls.ts'
import { initialise, startTlsServer } from '../helpers/tls-server.ts'
import { startTokenReviewServer, type TokenReviewServer } from '../helpers/token-review-server.ts'

// ESO talks through Vault's Go API client: writes are PUT, lists are GET with ?list=true, every request carries
// X-Vault-Request, and a store with `namespace` set adds X-Vault-Namespace to every call.
const GO_HEADERS = { 'x-vault-request': 'true' }
const APP = { namespace: 'eso', name: 'external-secrets', uid: '0b5c3e0a-0000-4000-8000-0000000000e5' }

describe('External Secrets Operator calls', () => {
  let t: TestServer
  let k8s: TokenReviewServer
  const dir = mkdtempSync(join(tmpdir(), 'coffer-eso-'))
  const go = (
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    t.call(method, path, {
      token,
      headers: { ...GO_HEADERS, ...headers },
      ...(body === undefined ? {} : { body }),
    })
  /** The Go client's ReadWithData: a 404 with no warnings and no data is "no secret" (nil), not an error. */
  const isNilSecret = (r: Reply) =>
    r.status === 404 &&
    (r.body === undefined ||
      ((r.body.warnings ?? []).length === 0 && Object.keys(r.body.data ?? {}).length === 0))

  let esoToken = ''

  before(async () => {
    const cert = makeSelfSignedCert(dir)
    if (!cert) throw new Error('openssl is needed to make the test certificate')
    const caCert = readFileSync(cert.cert, 'utf8')
    k8s = await startTokenReviewServer({ key: readFileSync(cert.key, 'utf8'), cert: caCert })
    t = await startDevServer()
    const root = (method: string, path: string, body?: unknown) => {
      return t.call(method, path, body === undefined ? {} : { body })
    }
    // The policy ESO's own docs and e2e suite give the operator: KV v2 data and metadata, token self-service.
    const policy = [
      'path "secret/data/*" { capabilities = ["create", "read", "update", "delete"] }',
      'path "secret/metadata/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
      'path "kv1/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
      'path "database/creds/*" { capabilities = ["read"] }',
      'path "auth/token/create" { capabilities = ["update"] }',
    ].join('\n')
    assert.equal((await root('PUT', 'sys/policies/acl/eso', { policy })).status, 204)
    assert.equal(
      (await root('POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } })).status,
      204,
    )
    assert.equal((await root('POST', 'sys/auth/approle', { type: 'approle' })).status, 204)
    assert.equal((await root('POST', 'sys/auth/kubernetes', { type: 'kubernetes' })).status, 204)
    const cfg = await root('POST', 'auth/kubernetes/config', {
      kubernetes_host: k8s.host,
      kubernetes_ca_cert: caCert,
      token_reviewer_jwt: k8s.reviewerJwt,
    })
    assert.equal(cfg.status, 204, JSON.stringify(cfg.body))
    const role = await root('POST', 'auth/kubernetes/role/eso', {
      bound_service_account_names: APP.name,
      bound_service_account_namespaces: APP.namespace,
      token_policies: 'eso',
      token_ttl: '20m',
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
    const ar = await root('POST', 'auth/approle/role/eso', { token_policies: 'eso', token_ttl: '1h' })
    assert.equal(ar.status, 204, JSON.stringify(ar.body))
  })
  after(async () => {
    await t?.close()
    await k8s?.close()
  })

  /** providers/v1/vault/auth.go checkToken: lookup-self's type, ttl (a number) and expire_time (present, may be null). */
  async function checkToken(token: string, headers: Record<string, string> = {}) {
    const self = await go('GET', 'auth/token/lookup-self', token, undefined, headers)
    assert.equal(self.status, 200, JSON.stringify(self.body))
    assert.equal(typeof self.body.data.type, 'string')
    assert.equal(typeof self.body.data.ttl, 'number')
    assert.ok('expire_time' in self.body.data, 'expire_time must be present (ESO errors out without it)')
    return self.body.data
  }

  it('kubernetes auth (serviceAccountRef / secretRef / mounted token): PUT auth/kubernetes/login {role, jwt}', async () => {
    // auth_kubernetes.go: a TokenRequest for the service account (600 s), or a token from a Secret, then the
    // Go client's kubernetes auth helper logs in at the configured mount path and keeps auth.client_token.
    const jwt = await k8s.projectedToken(APP, 'vault')
    const login = await go('PUT', 'auth/kubernetes/login', '', { role: 'eso', jwt })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    assert.equal(typeof login.body.auth.client_token, 'string')
    assert.ok(login.body.auth.client_token.length > 0)
    esoToken = login.body.auth.client_token
    const data = await checkToken(esoToken)
    assert.equal(data.type, 'service')
    assert.ok(data.ttl > 60 && data.ttl <= 1200, `ttl ${data.ttl}`)
    // The expiry must parse as RFC 3339 in Go (time.RFC3339 accepts fractional seconds).
    assert.match(data.expire_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/)
  })

  it('appRole auth: PUT auth/approle/login {role_id, secret_id}', async () => {
    const roleId = (await t.call('GET', 'auth/approle/role/eso/role-id')).body.data.role_id
    const secretId = (await t.call('POST', 'auth/approle/role/eso/secret-id')).body.data.secret_id
    const login = await go('PUT', 'auth/approle/login', '', { role_id: roleId, secret_id: secretId })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    assert.ok(login.body.auth.client_token)
    await checkToken(login.body.auth.client_token)
  })

  it('tokenSecretRef with the root token: lookup-self gives expire_time null and ttl 0 (a token that never expires)', async () => {
    const data = await checkToken(t.rootToken)
    assert.equal(data.ttl, 0)
    assert.equal(data.expire_time, null)
  })

  it('a store with namespace "root" (or "/" or "root/") works; a real child namespace is refused with a 4xx', async () => {
    for (const ns of ['root', 'root/', '/']) {
      await checkToken(esoToken, { 'x-vault-namespace': ns })
      const list = await go('GET', 'secret/metadata/?list=true', esoToken, undefined, {
        'x-vault-namespace': ns,
      })
      assert.ok(list.status === 200 || list.status === 404, `namespace ${ns}: ${list.status}`)
    }
    const other = await go('GET', 'auth/token/lookup-self', esoToken, undefined, {
      'x-vault-namespace': 'team-a',
    })
    assert.ok(other.status >= 400 && other.status < 500, String(other.status))
  })

  it('PushSecret of a new key (KV v2, checkAndSet required): read data, write metadata, write data with cas 0', async () => {
    // client_push.go: readSecret (nil → not existing), then custom_metadata managed-by, then data with options.cas.
    const read = await go('GET', 'secret/data/team/db', esoToken)
    assert.ok(isNilSecret(read), `a missing secret reads as nil: ${read.status} ${JSON.stringify(read.body)}`)
    const meta = await go('PUT', 'secret/metadata/team/db', esoToken, {
      custom_metadata: { 'managed-by': 'external-secrets' },
    })
    assert.equal(meta.status, 204, JSON.stringify(meta.body))
    const write = await go('PUT', 'secret/data/team/db', esoToken, {
      data: { username: 'app', password: 's3cr3t' },
      options: { cas: 0 },
    })
    assert.equal(write.status, 200, JSON.stringify(write.body))
    assert.equal(write.body.data.version, 1)
  })

  it('PushSecret of an existing key: metadata shows managed-by, current_version feeds cas', async () => {
    const read = await go('GET', 'secret/data/team/db', esoToken)
    assert.equal(read.status, 200)
    assert.deepEqual(read.body.data.data, { username: 'app', password: 's3cr3t' })
    const meta = await go('GET', 'secret/metadata/team/db', esoToken)
    assert.equal(meta.status, 200)
    assert.deepEqual(meta.body.data.custom_metadata, { 'managed-by': 'external-secrets' })
    assert.equal(meta.body.data.current_version, 1)
    assert.equal(typeof meta.body.data.created_time, 'string')
    assert.ok('delete_version_after' in meta.body.data)
    // Property push (remoteRef.property): the whole map is rewritten with one key changed.
    const metaAgain = await go('PUT', 'secret/metadata/team/db', esoToken, {
      custom_metadata: { 'managed-by': 'external-secrets' },
    })
    assert.equal(metaAgain.status, 204)
    const write = await go('PUT', 'secret/data/team/db', esoToken, {
      data: { username: 'app', password: 'rotated' },
      options: { cas: meta.body.data.current_version },
    })
    assert.equal(write.status, 200, JSON.stringify(write.body))
    assert.equal(write.body.data.version, 2)
    const stale = await go('PUT', 'secret/data/team/db', esoToken, {
      data: { username: 'x' },
      options: { cas: 1 },
    })
    assert.equal(stale.status, 400, 'a stale cas is refused')
    // Re-writing metadata must not drop the versions or the current version.
    assert.equal((await go('GET', 'secret/metadata/team/db', esoToken)).body.data.current_version, 2)
  })

  it('GetSecret: latest, ?version=N, property; metadataPolicy Fetch reads custom_metadata', async () => {
    const latest = await go('GET', 'secret/data/team/db', esoToken)
    assert.deepEqual(latest.body.data.data, { username: 'app', password: 'rotated' })
    const v1 = await go('GET', 'secret/data/team/db?version=1', esoToken)
    assert.equal(v1.status, 200)
    assert.deepEqual(v1.body.data.data, { username: 'app', password: 's3cr3t' })
    assert.equal(v1.body.data.metadata.version, 1)
    const missingVersion = await go('GET', 'secret/data/team/db?version=9', esoToken)
    assert.ok(isNilSecret(missingVersion), `${missingVersion.status} ${JSON.stringify(missingVersion.body)}`)
  })

  it('find by name and by tags: recursive GET metadata/?list=true, then metadata and data of each key', async () => {
    for (const [path, tags] of [
      ['team/api', { env: 'prod' }],
      ['team/deep/cache', { env: 'prod', tier: 'b' }],
      ['other', { env: 'dev' }],
    ] as const) {
      await go('PUT', `secret/data/${path}`, t.rootToken, { data: { v: path } })
      await go('PUT', `secret/metadata/${path}`, t.rootToken, { custom_metadata: tags })
    }
    const found: string[] = []
    const walk = async (prefix: string): Promise<void> => {
      const list = await go('GET', `secret/metadata/${prefix}?list=true`, esoToken)
      assert.equal(list.status, 200, `${prefix}: ${JSON.stringify(list.body)}`)
      for (const key of list.body.data.keys as string[]) {
        if (key.endsWith('/')) await walk(prefix + key)
        else found.push(prefix + key)
      }
    }
    await walk('')
    assert.deepEqual(found.sort(), ['other', 'team/api', 'team/db', 'team/deep/cache'])
    const tagged: string[] = []
    for (const name of found) {
      const meta = await go('GET', `secret/metadata/${name}`, esoToken)
      if (meta.body.data.custom_metadata?.env === 'prod') tagged.push(name)
    }
    assert.deepEqual(tagged.sort(), ['team/api', 'team/deep/cache'])
    // find.path: a folder's listing; an empty or missing folder is a 404 the Go client reads as nil.
    const none = await go('GET', 'secret/metadata/nothing-here/?list=true', esoToken)
    assert.ok(isNilSecret(none), `${none.status} ${JSON.stringify(none.body)}`)
  })

  it('a soft-deleted latest version reads as 404 with data.data null (ESO: NoSecretError, skipped by find)', async () => {
    await go('PUT', 'secret/data/gone', t.rootToken, { data: { a: 'b' } })
    assert.equal((await go('DELETE', 'secret/data/gone', t.rootToken)).status, 204)
    const read = await go('GET', 'secret/data/gone', esoToken)
    assert.equal(read.status, 404)
    // The Go client returns this body as a secret (it has data), and ESO checks data["data"] == nil.
    assert.equal(read.body.data.data, null)
    assert.notEqual(read.body.data.metadata.deletion_time, '')
    // find skips it, and the metadata listing still names it (ESO then reads it and gets NoSecretError).
    assert.ok((await go('GET', 'secret/metadata/?list=true', esoToken)).body.data.keys.includes('gone'))
  })

  it('DeleteSecret: read, check managed-by, DELETE data then DELETE metadata; gone afterwards', async () => {
    assert.equal((await go('DELETE', 'secret/data/team/db', esoToken)).status, 204)
    assert.equal((await go('DELETE', 'secret/metadata/team/db', esoToken)).status, 204)
    assert.ok(isNilSecret(await go('GET', 'secret/metadata/team/db', esoToken)))
    assert.ok(isNilSecret(await go('GET', 'secret/data/team/db', esoToken)))
  })

  it('KV v1 store: read, list, write (custom_metadata is kept as an ordinary key), delete', async () => {
    const w = await go('PUT', 'kv1/app', esoToken, {
      a: '1',
      custom_metadata: { 'managed-by': 'external-secrets' },
    })
    assert.equal(w.status, 204, JSON.stringify(w.body))
    const r = await go('GET', 'kv1/app', esoToken)
    assert.deepEqual(r.body.data, { a: '1', custom_metadata: { 'managed-by': 'external-secrets' } })
    const l = await go('GET', 'kv1/?list=true', esoToken)
    assert.deepEqual(l.body.data.keys, ['app'])
    assert.equal((await go('DELETE', 'kv1/app', esoToken)).status, 204)
    assert.ok(isNilSecret(await go('GET', 'kv1/app', esoToken)))
  })

  it('VaultDynamicSecret generator: POST with parameters, resultType Auth reads auth.client_token', async () => {
    const made = await go('PUT', 'auth/token/create', esoToken, { policies: ['eso'], ttl: '10m' })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    assert.equal(typeof made.body.auth.client_token, 'string')
    assert.equal(made.body.auth.lease_duration, 600)
    // resultType Data of a GET with no secret there: the Go client's nil, which allowEmptyResponse accepts.
    assert.ok(isNilSecret(await go('GET', 'secret/data/no-such', esoToken)))
  })

  it("the OpenBao provider's Validate: GET sys/mounts/<path> is type kv with options.version the store's version", async () => {
    const v2 = await go('GET', 'sys/mounts/secret', t.rootToken)
    assert.equal(v2.status, 200)
    assert.equal(v2.body.data.type, 'kv')
    assert.equal(v2.body.data.options.version, '2')
    const v1 = await go('GET', 'sys/mounts/kv1', t.rootToken)
    assert.deepEqual([v1.body.data.type, v1.body.data.options.version], ['kv', '1'])
  })

  it('Close without the token cache: lookup-self, then PUT auth/token/revoke-self with no body; the token is gone', async () => {
    await checkToken(esoToken)
    const revoke = await go('PUT', 'auth/token/revoke-self', esoToken)
    assert.equal(revoke.status, 204, JSON.stringify(revoke.body))
    const after = await go('GET', 'auth/token/lookup-self', esoToken)
    assert.equal(after.status, 403)
  })
})

describe('External Secrets Operator: userPass, jwt and cert logins', () => {
  let t: TestServer
  let k8s: TokenReviewServer
  const dir = mkdtempSync(join(tmpdir(), 'coffer-eso-auth-'))
  const go = (method: string, path: string, body?: unknown) =>
    t.call(method, path, { token: '', headers: GO_HEADERS, ...(body === undefined ? {} : { body }) })

  before(async () => {
    const cert = makeSelfSignedCert(dir)
    if (!cert) throw new Error('openssl is needed to make the test certificate')
    // Only its token signer is used: the jwt method checks the service account token against its public key.
    k8s = await startTokenReviewServer({
      key: readFileSync(cert.key, 'utf8'),
      cert: readFileSync(cert.cert, 'utf8'),
    })
    t = await startDevServer()
    const root = (method: string, path: string, body: unknown) => t.call(method, path, { body })
    assert.equal((await root('POST', 'sys/auth/userpass', { type: 'userpass' })).status, 204)
    assert.equal(
      (await root('PUT', 'auth/userpass/users/eso', { password: 'pw', token_policies: 'default' })).status,
      204,
    )
    assert.equal((await root('POST', 'sys/auth/jwt', { type: 'jwt' })).status, 204)
    const cfg = await root('PUT', 'auth/jwt/config', { jwt_validation_pubkeys: [k8s.publicKeyPem] })
    assert.equal(cfg.status, 204, JSON.stringify(cfg.body))
    const role = await root('PUT', 'auth/jwt/role/eso', {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: ['vault'],
      token_policies: 'default',
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
  })
  after(async () => {
    await t?.close()
    await k8s?.close()
  })

  it('userPass: the Go helper PUTs auth/userpass/login/<username> {password}', async () => {
    const login = await go('PUT', 'auth/userpass/login/eso', { password: 'pw' })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    assert.ok(login.body.auth.client_token)
  })

  it('jwt with kubernetesServiceAccountToken: a TokenRequest with audience "vault", PUT auth/jwt/login {role, jwt}', async () => {
    // auth_jwt.go: the provider's own Write (not the Go helper), then auth.client_token of the answer.
    const jwt = await k8s.projectedToken(APP, 'vault')
    const login = await go('PUT', 'auth/jwt/login', { role: 'eso', jwt })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    assert.ok(login.body.auth.client_token)
    const wrongAudience = await go('PUT', 'auth/jwt/login', {
      role: 'eso',
      jwt: await k8s.projectedToken(APP, 'other'),
    })
    assert.equal(wrongAudience.status, 400)
  })
})

describe('External Secrets Operator: cert login over HTTPS', () => {
  it('PUT auth/cert/login with no body (no vaultRole) and with {name} (vaultRole set)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-eso-cert-'))
    const pki = new TestPki(join(dir, 'pki'))
    const ca = pki.root('ca')
    const client = pki.issue('client', ca, { cn: 'eso.example.com' })
    const server = await startTlsServer(join(dir, 'server'), {}, 'inmem')
    try {
      await initialise(server)
      const root = (method: string, path: string, body: unknown) => server.call(method, path, { body })
      assert.equal((await root('POST', 'sys/auth/cert', { type: 'cert' })).status, 204)
      const role = await root('PUT', 'auth/cert/certs/eso', {
        certificate: ca.pem,
        token_policies: 'default',
      })
      assert.equal(role.status, 204, JSON.stringify(role.body))
      // auth_cert.go: the Go client's Write with nil data sends a PUT with no body at all.
      const bare = await server.call('PUT', 'auth/cert/login', { token: '', cert: client })
      assert.equal(bare.status, 200, JSON.stringify(bare.body))
      assert.ok(bare.body.auth.client_token)
      const named = await server.call('PUT', 'auth/cert/login', {
        token: '',
        cert: client,
        body: { name: 'eso' },
      })
      assert.equal(named.status, 200, JSON.stringify(named.body))
      assert.equal(named.body.auth.metadata.cert_name, 'eso')
    } finally {
      await server.server.close()
    }
  })
})
