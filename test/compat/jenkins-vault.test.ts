// Jenkins' HashiCorp Vault plugin (vault-java-driver) against Coffer: AppRole, token and Kubernetes credentials,
// lookup-self for the token's expiry, child tokens for `policies`, KV engine version detection and KV v1/v2 reads.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'
import { makeSelfSignedCert } from '../helpers/tls.ts'
import { startTokenReviewServer, type TokenReviewServer } from '../helpers/token-review-server.ts'

const SA = { namespace: 'ci', name: 'jenkins', uid: '0b1c2d3e-0000-4000-8000-00000000000a' }

describe('Jenkins hashicorp-vault-plugin against Coffer', () => {
  let t: TestServer
  let k8s: TokenReviewServer
  const temp = makeTempDir('coffer-jenkins-')

  /** The driver's REST calls: X-Vault-Token, and X-Vault-Namespace only when one is configured. */
  const driver = async (
    method: 'GET' | 'POST',
    path: string,
    opts: { token?: string; body?: unknown } = {},
  ) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (opts.token) headers['x-vault-token'] = opts.token
    const res = await fetch(`${t.address}/v1/${path}`, {
      method,
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, text, body: text === '' ? undefined : JSON.parse(text) }
  }
  /** LogicalResponse.getData(): engine 2 reads data.data; every value as a string, non-strings as their JSON. */
  const values = (body: { data: Record<string, unknown> }, engineVersion: 1 | 2) => {
    const data = (engineVersion === 2 ? body.data['data'] : body.data) as Record<string, unknown>
    return Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    )
  }
  /** The driver inserts "data" after the mount's first segment (prefixPathDepth 1) for engine version 2. */
  const read = (path: string, engineVersion: 1 | 2, token: string) => {
    const [mount, ...rest] = path.split('/')
    return driver('GET', engineVersion === 2 ? `${mount}/data/${rest.join('/')}` : path, { token })
  }

  before(async () => {
    const cert = makeSelfSignedCert(temp.dir)
    if (!cert) throw new Error('openssl is needed to make the test certificate')
    const caCert = readFileSync(cert.cert, 'utf8')
    k8s = await startTokenReviewServer({ key: readFileSync(cert.key, 'utf8'), cert: caCert })
    t = await startDevServer()
    const ok = async (path: string, body: unknown, status = 204) => {
      const res = await t.call('POST', path, { body })
      assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`)
    }
    await ok('secret/data/jenkins/app', { data: { username: 'svc', password: 's3cret', port: 5432 } }, 200)
    await ok('sys/mounts/kv1', { type: 'kv', options: { version: '1' } })
    await ok('kv1/jenkins/app', { token: 'v1-token' })
    await ok('sys/mounts/private', { type: 'kv', options: { version: '2' } })
    await ok('sys/policies/acl/jenkins', {
      policy: [
        'path "secret/data/jenkins/*" { capabilities = ["read"] }',
        'path "kv1/jenkins/*" { capabilities = ["read"] }',
        // The credential's "policies" option mints a child token limited to them.
        'path "auth/token/create" { capabilities = ["update"] }',
      ].join('\n'),
    })
    await ok('sys/policies/acl/jenkins-narrow', {
      policy: 'path "secret/data/jenkins/app" { capabilities = ["read"] }',
    })
    await ok('sys/auth/approle', { type: 'approle' })
    await ok('auth/approle/role/jenkins', {
      token_policies: ['jenkins', 'jenkins-narrow'],
      token_ttl: '20m',
      token_max_ttl: '30m',
    })
    await ok('sys/auth/kubernetes', { type: 'kubernetes' })
    await ok('auth/kubernetes/config', {
      kubernetes_host: k8s.host,
      kubernetes_ca_cert: caCert,
      token_reviewer_jwt: k8s.reviewerJwt,
    })
    await ok('auth/kubernetes/role/jenkins', {
      bound_service_account_names: ['jenkins'],
      bound_service_account_namespaces: ['ci'],
      token_policies: ['jenkins'],
      token_ttl: '15m',
    })
  })
  after(async () => {
    await t?.close()
    await k8s?.close()
    temp.remove()
  })

  const approleLogin = async () => {
    const roleId = (await t.call('GET', 'auth/approle/role/jenkins/role-id')).body.data.role_id
    const secretId = (await t.call('POST', 'auth/approle/role/jenkins/secret-id')).body.data.secret_id
    // Auth.loginByAppRole(path, roleId, secretId)
    const res = await driver('POST', 'auth/approle/login', { body: { role_id: roleId, secret_id: secretId } })
    assert.equal(res.status, 200, res.text)
    return res.body.auth.client_token as string
  }

  it('AppRole credential: login, lookup-self for the expiry, then KV v2 and v1 reads', async () => {
    const token = await approleLogin()
    const self = await driver('GET', 'auth/token/lookup-self', { token })
    assert.equal(self.status, 200, self.text)
    assert.equal(typeof self.body.data.ttl, 'number')
    assert.ok(self.body.data.ttl > 1190 && self.body.data.ttl <= 1200, String(self.body.data.ttl))
    const v2 = await read('secret/jenkins/app', 2, token)
    assert.equal(v2.status, 200, v2.text)
    assert.deepEqual(values(v2.body, 2), { username: 'svc', password: 's3cret', port: '5432' })
    const v1 = await read('kv1/jenkins/app', 1, token)
    assert.deepEqual(values(v1.body, 1), { token: 'v1-token' })
    // responseHasErrors(): 404 is "not found" (skipped unless failIfNotFound), 403 "Access denied".
    assert.equal((await read('secret/jenkins/none', 2, token)).status, 404)
    const denied = await read('secret/other/app', 2, token)
    assert.equal(denied.status, 403)
    assert.deepEqual(denied.body.errors, ['permission denied'])
  })

  it('the `policies` option: a child token with the parent’s TTL and a subset of its policies', async () => {
    const token = await approleLogin()
    const ttl = (await driver('GET', 'auth/token/lookup-self', { token })).body.data.ttl
    // Auth.createToken(new TokenRequest().polices([...]).ttl("<n>s"))
    const child = await driver('POST', 'auth/token/create', {
      token,
      body: { policies: ['jenkins-narrow'], ttl: `${ttl}s` },
    })
    assert.equal(child.status, 200, child.text)
    assert.deepEqual(child.body.auth.policies, ['default', 'jenkins-narrow'])
    assert.ok(child.body.auth.lease_duration <= ttl)
    const childToken = child.body.auth.client_token
    assert.equal((await read('secret/jenkins/app', 2, childToken)).status, 200)
    assert.equal(
      (await read('kv1/jenkins/app', 1, childToken)).status,
      403,
      'the child lost the wider policy',
    )
    const wider = await driver('POST', 'auth/token/create', {
      token,
      body: { policies: ['root'], ttl: '60s' },
    })
    assert.equal(wider.status, 400)
    assert.deepEqual(wider.body.errors, ['child policies must be subset of parent'])
  })

  it('Kubernetes credential: the service account token at auth/kubernetes/login', async () => {
    // Auth.loginByKubernetes(role, jwt, path)
    const res = await driver('POST', 'auth/kubernetes/login', {
      body: { role: 'jenkins', jwt: await k8s.legacyToken(SA) },
    })
    assert.equal(res.status, 200, res.text)
    assert.equal(res.body.auth.lease_duration, 900)
    const v2 = await read('secret/jenkins/app', 2, res.body.auth.client_token)
    assert.equal(values(v2.body, 2)['password'], 's3cret')
    const stranger = await driver('POST', 'auth/kubernetes/login', {
      body: { role: 'jenkins', jwt: await k8s.legacyToken({ ...SA, name: 'other' }) },
    })
    assert.equal(stranger.status, 403)
  })

  it('Token credential: a token made for Jenkins reads with lookup-self first', async () => {
    const made = await t.call('POST', 'auth/token/create', { body: { policies: ['jenkins'], ttl: '1h' } })
    const token = made.body.auth.client_token
    const self = await driver('GET', 'auth/token/lookup-self', { token })
    assert.equal(self.body.data.ttl, 3600)
    assert.equal((await read('secret/jenkins/app', 2, token)).status, 200)
  })

  it('engine version detection: sys/mounts as the driver parses it, and sys/internal/ui/mounts/<path>', async () => {
    // collectSecretEngineVersions(): every member of `data` must be an object; options.version a string.
    const mounts = await driver('GET', 'sys/mounts', { token: t.rootToken })
    assert.equal(mounts.status, 200, mounts.text)
    for (const [name, entry] of Object.entries(mounts.body.data))
      assert.ok(entry !== null && typeof entry === 'object' && !Array.isArray(entry), name)
    assert.equal(mounts.body.data['secret/'].options.version, '2')
    assert.equal(mounts.body.data['kv1/'].options.version, '1')
    // The CLI-style pre-flight any token with access below the mount may make.
    const token = await approleLogin()
    const ui = await driver('GET', 'sys/internal/ui/mounts/secret/jenkins/app', { token })
    assert.equal(ui.status, 200, ui.text)
    assert.equal(ui.body.data.path, 'secret/')
    assert.equal(ui.body.data.type, 'kv')
    assert.deepEqual(ui.body.data.options, { version: '2' })
    const v1 = await driver('GET', 'sys/internal/ui/mounts/kv1/jenkins/app', { token })
    assert.deepEqual(v1.body.data.options, { version: '1' })
    // A mount the token has no access below is not described to it, and neither is a missing one.
    const hidden = await driver('GET', 'sys/internal/ui/mounts/private/app', { token })
    assert.equal(hidden.status, 403)
    assert.deepEqual(hidden.body.errors, ['permission denied'])
    assert.equal((await driver('GET', 'sys/internal/ui/mounts/nothing-here/app', { token })).status, 403)
    assert.equal(
      (await driver('GET', 'sys/internal/ui/mounts/private/app', { token: t.rootToken })).status,
      200,
    )
  })
})
