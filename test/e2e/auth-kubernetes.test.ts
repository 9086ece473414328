// kubernetes auth end to end against a local HTTPS TokenReview stand-in: logins, every refusal audited, pem_keys mode.
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../helpers/server.ts'
import { makeSelfSignedCert } from '../helpers/tls.ts'
import { startTokenReviewServer, type TokenReviewServer } from '../helpers/token-review-server.ts'

const APP = { namespace: 'prod', name: 'app', uid: '7a8f0c1e-0000-4000-8000-000000000001' }

describe('kubernetes auth method', () => {
  let t: TestServer
  let k8s: TokenReviewServer
  let caCert: string
  const dir = mkdtempSync(join(tmpdir(), 'coffer-k8s-'))
  const auditFile = join(dir, 'audit.log')
  const login = (body: unknown, mount = 'kubernetes') =>
    t.call('POST', `auth/${mount}/login`, { token: '', body })
  const lastLoginAudit = (mount = 'kubernetes') =>
    readFileSync(auditFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l))
      .findLast((e) => e.type === 'response' && e.request.path === `auth/${mount}/login`)

  before(async () => {
    const cert = makeSelfSignedCert(dir)
    if (!cert) throw new Error('openssl is needed to make the test certificate')
    caCert = readFileSync(cert.cert, 'utf8')
    k8s = await startTokenReviewServer({ key: readFileSync(cert.key, 'utf8'), cert: caCert })
    t = await startDevServer()
    assert.equal(
      (await t.call('PUT', 'sys/audit/file', { body: { type: 'file', options: { file_path: auditFile } } }))
        .status,
      204,
    )
    assert.equal((await t.call('POST', 'sys/auth/kubernetes', { body: { type: 'kubernetes' } })).status, 204)
    const config = await t.call('POST', 'auth/kubernetes/config', {
      body: { kubernetes_host: k8s.host, kubernetes_ca_cert: caCert, token_reviewer_jwt: k8s.reviewerJwt },
    })
    assert.equal(config.status, 204, JSON.stringify(config.body))
    await t.call('PUT', 'sys/policies/acl/app-read', {
      body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' },
    })
    const role = await t.call('POST', 'auth/kubernetes/role/app', {
      body: {
        bound_service_account_names: ['app', 'app-*'],
        bound_service_account_namespaces: ['prod', 'team-*'],
        token_policies: ['app-read'],
        token_ttl: '1h',
      },
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
  })
  after(async () => {
    await t?.close()
    await k8s?.close()
  })

  it('logs a service account in through the TokenReview API with the reviewer JWT', async () => {
    const jwt = await k8s.legacyToken(APP)
    const res = await login({ role: 'app', jwt })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.auth.policies, ['app-read', 'default'])
    assert.deepEqual(res.body.auth.metadata, {
      role: 'app',
      service_account_name: 'app',
      service_account_namespace: 'prod',
      service_account_secret_name: 'app-token-x1',
      service_account_uid: APP.uid,
    })
    assert.equal(res.body.auth.lease_duration, 3600)
    assert.equal(k8s.reviews.at(-1)!.bearer, k8s.reviewerJwt, 'the reviewer JWT authorised the review')
    const self = await t.call('GET', 'auth/token/lookup-self', { token: res.body.auth.client_token })
    assert.equal(self.body.data.display_name, 'kubernetes-prod-app')
  })

  it('accepts globbed names and namespaces and projected tokens with an audience', async () => {
    await t.call('POST', 'auth/kubernetes/role/aud', {
      body: {
        bound_service_account_names: ['worker-*'],
        bound_service_account_namespaces: ['team-*'],
        audience: 'coffer',
      },
    })
    const sa = { namespace: 'team-blue', name: 'worker-7', uid: 'uid-worker-7' }
    const res = await login({ role: 'aud', jwt: await k8s.projectedToken(sa, 'coffer') })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.auth.metadata.service_account_namespace, 'team-blue')
    assert.deepEqual(k8s.reviews.at(-1)!.audiences, ['coffer'])
    const wrongAud = await login({ role: 'aud', jwt: await k8s.projectedToken(sa, 'other') })
    assert.equal(wrongAud.status, 403)
    assert.deepEqual(wrongAud.body.errors, ['invalid audience (aud) claim'])
  })

  it('reads config without the reviewer JWT, reads and lists roles, refuses bad roles', async () => {
    const config = await t.call('GET', 'auth/kubernetes/config')
    assert.equal(config.body.data.kubernetes_host, k8s.host)
    assert.equal('token_reviewer_jwt' in config.body.data, false)
    const role = await t.call('GET', 'auth/kubernetes/role/app')
    assert.deepEqual(role.body.data.bound_service_account_namespaces, ['prod', 'team-*'])
    assert.equal(role.body.data.alias_name_source, 'serviceaccount_uid')
    assert.deepEqual((await t.call('LIST', 'auth/kubernetes/role')).body.data.keys, ['app', 'aud'])
    const mixed = await t.call('POST', 'auth/kubernetes/role/bad', {
      body: { bound_service_account_names: ['*', 'app'], bound_service_account_namespaces: ['prod'] },
    })
    assert.deepEqual(mixed.body.errors, ['can not mix "*" with values'])
    const noNs = await t.call('POST', 'auth/kubernetes/role/bad', {
      body: { bound_service_account_names: ['app'] },
    })
    assert.deepEqual(noNs.body.errors, ['"bound_service_account_namespaces" can not be empty'])
    const noHost = await t.call('POST', 'auth/kubernetes/config', { body: {} })
    assert.deepEqual(noHost.body.errors, ['no host provided'])
  })

  describe('refusals: each is a 400/403 with a clear message and an audit record', () => {
    before(async () => {
      await t.call('POST', 'auth/kubernetes/role/office', {
        body: {
          bound_service_account_names: ['app'],
          bound_service_account_namespaces: ['prod'],
          token_bound_cidrs: ['10.0.0.0/8'],
        },
      })
    })
    const cases: {
      name: string
      body: () => Promise<Record<string, unknown>>
      status: number
      error: string
    }[] = [
      {
        name: 'service account not bound',
        body: async () => ({ role: 'app', jwt: await k8s.legacyToken({ ...APP, name: 'intruder' }) }),
        status: 403,
        error: 'service account name not authorized',
      },
      {
        name: 'namespace not bound',
        body: async () => ({ role: 'app', jwt: await k8s.legacyToken({ ...APP, namespace: 'kube-system' }) }),
        status: 403,
        error: 'namespace not authorized',
      },
      {
        name: 'TokenReview says unauthenticated (deleted service account)',
        body: async () => {
          const jwt = await k8s.legacyToken({ ...APP, uid: 'deleted-uid' })
          k8s.revoked.add(jwt)
          return { role: 'app', jwt }
        },
        status: 403,
        error: 'permission denied',
      },
      {
        name: 'a forged token (signed by another key)',
        body: async () => ({
          role: 'app',
          jwt: `${(await k8s.legacyToken(APP)).split('.').slice(0, 2).join('.')}.AAAA`,
        }),
        status: 403,
        error: 'permission denied',
      },
      {
        name: 'unknown role',
        body: async () => ({ role: 'nope', jwt: await k8s.legacyToken(APP) }),
        status: 400,
        error: 'invalid role name "nope"',
      },
      {
        name: 'CIDR not allowed',
        body: async () => ({ role: 'office', jwt: await k8s.legacyToken(APP) }),
        status: 403,
        error: 'permission denied',
      },
      { name: 'missing jwt', body: async () => ({ role: 'app' }), status: 400, error: 'missing jwt' },
    ]
    for (const c of cases)
      it(c.name, async () => {
        const body = await c.body()
        const res = await login(body)
        assert.equal(res.status, c.status, JSON.stringify(res.body))
        assert.deepEqual(res.body.errors, [c.error])
        const entry = lastLoginAudit()
        assert.ok(entry, 'the refusal is audited')
        assert.equal(entry.error, c.error)
        if (typeof body['jwt'] === 'string')
          assert.ok(
            !readFileSync(auditFile, 'utf8').includes(body['jwt']),
            'the JWT never reaches the audit log in clear',
          )
      })
  })

  it('without a reviewer JWT, the client’s own token authorises the review', async () => {
    assert.equal((await t.call('POST', 'sys/auth/k8s-self', { body: { type: 'kubernetes' } })).status, 204)
    await t.call('POST', 'auth/k8s-self/config', {
      body: { kubernetes_host: k8s.host, kubernetes_ca_cert: caCert, disable_local_ca_jwt: true },
    })
    await t.call('POST', 'auth/k8s-self/role/app', {
      body: { bound_service_account_names: ['app'], bound_service_account_namespaces: ['prod'] },
    })
    const jwt = await k8s.legacyToken(APP)
    const res = await login({ role: 'app', jwt }, 'k8s-self')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(k8s.reviews.at(-1)!.bearer, jwt)
  })

  it('refuses a TokenReview host whose certificate is not the configured CA', async () => {
    assert.equal((await t.call('POST', 'sys/auth/k8s-noca', { body: { type: 'kubernetes' } })).status, 204)
    await t.call('POST', 'auth/k8s-noca/config', {
      // No CA configured and no pod CA on this machine: only the system's roots, which do not hold the stand-in's.
      body: { kubernetes_host: k8s.host, token_reviewer_jwt: k8s.reviewerJwt },
    })
    await t.call('POST', 'auth/k8s-noca/role/app', {
      body: { bound_service_account_names: ['app'], bound_service_account_namespaces: ['prod'] },
    })
    const reviews = k8s.reviews.length
    const res = await login({ role: 'app', jwt: await k8s.legacyToken(APP) }, 'k8s-noca')
    assert.equal(res.status, 502)
    assert.match(res.body.errors[0], /^error calling the TokenReview API/)
    assert.equal(k8s.reviews.length, reviews, 'no review reached the untrusted host')
  })

  // Vault's path_config.go documents kubernetes_host as "a host string, a host:port pair, or a URL to the base of
  // the Kubernetes API server" and stores it as given; a host without a scheme is reached over https.
  it('accepts kubernetes_host as host:port, reads it back as given and reviews over https', async () => {
    assert.equal((await t.call('POST', 'sys/auth/k8s-bare', { body: { type: 'kubernetes' } })).status, 204)
    const bare = new URL(k8s.host).host
    const config = await t.call('POST', 'auth/k8s-bare/config', {
      body: { kubernetes_host: bare, kubernetes_ca_cert: caCert, token_reviewer_jwt: k8s.reviewerJwt },
    })
    assert.equal(config.status, 204, JSON.stringify(config.body))
    const read = await t.call('GET', 'auth/k8s-bare/config')
    assert.equal(read.body.data.kubernetes_host, bare)
    await t.call('POST', 'auth/k8s-bare/role/app', {
      body: { bound_service_account_names: ['app'], bound_service_account_namespaces: ['prod'] },
    })
    const reviews = k8s.reviews.length
    const ok = await login({ role: 'app', jwt: await k8s.legacyToken(APP) }, 'k8s-bare')
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.equal(k8s.reviews.length, reviews + 1, 'the review went to the bare host over https')
    const hostOnly = await t.call('POST', 'auth/k8s-bare/config', {
      body: { kubernetes_host: 'kubernetes.default.svc' },
    })
    assert.equal(hostOnly.status, 204, JSON.stringify(hostOnly.body))
    for (const garbage of [
      'not a host',
      'ftp://example.com',
      'example.com:notaport',
      'https://',
      'https://u:p@h',
    ]) {
      const res = await t.call('POST', 'auth/k8s-bare/config', { body: { kubernetes_host: garbage } })
      assert.equal(res.status, 400, garbage)
      assert.match(res.body.errors[0], /expected a host, a host:port pair, or an http\(s\) URL/)
    }
  })

  it('a private key given as a pem_key is refused and never stored', async () => {
    assert.equal((await t.call('POST', 'sys/auth/k8s-priv', { body: { type: 'kubernetes' } })).status, 204)
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    for (const pemKeys of [[pem], [`${k8s.publicKeyPem}\n${pem}`]]) {
      const res = await t.call('POST', 'auth/k8s-priv/config', {
        body: { kubernetes_host: 'https://127.0.0.1:1', pem_keys: pemKeys },
      })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body.errors, [
        'a private key was given where a public key is expected; give its public key',
      ])
    }
    assert.equal((await t.call('GET', 'auth/k8s-priv/config')).status, 404, 'nothing was stored')
  })

  it('with pem_keys, verifies the signature locally and still asks the API (a deleted account is refused)', async () => {
    assert.equal((await t.call('POST', 'sys/auth/k8s-pem', { body: { type: 'kubernetes' } })).status, 204)
    const config = await t.call('POST', 'auth/k8s-pem/config', {
      body: {
        kubernetes_host: k8s.host,
        kubernetes_ca_cert: caCert,
        token_reviewer_jwt: k8s.reviewerJwt,
        pem_keys: [k8s.publicKeyPem],
        disable_iss_validation: false,
      },
    })
    assert.equal(config.status, 204, JSON.stringify(config.body))
    await t.call('POST', 'auth/k8s-pem/role/app', {
      body: { bound_service_account_names: ['app'], bound_service_account_namespaces: ['prod'] },
    })
    const reviews = k8s.reviews.length
    const jwt = await k8s.legacyToken(APP)
    const ok = await login({ role: 'app', jwt }, 'k8s-pem')
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.equal(k8s.reviews.length, reviews + 1, 'the TokenReview API was asked')
    k8s.revoked.add(jwt)
    const deleted = await login({ role: 'app', jwt }, 'k8s-pem')
    assert.equal(deleted.status, 403, 'the signature still verifies, but the account is gone')
    k8s.revoked.delete(jwt)
    const forged = await login(
      { role: 'app', jwt: `${(await k8s.legacyToken(APP)).split('.').slice(0, 2).join('.')}.AAAA` },
      'k8s-pem',
    )
    assert.equal(forged.status, 403)
    const wrongIss = await login(
      { role: 'app', jwt: await k8s.legacyToken(APP, { iss: 'someone-else' }) },
      'k8s-pem',
    )
    assert.equal(wrongIss.status, 403)
    assert.deepEqual(wrongIss.body.errors, ['invalid issuer (iss) claim'])
    const expired = await login(
      { role: 'app', jwt: await k8s.legacyToken(APP, { exp: Math.floor(Date.now() / 1000) - 3600 }) },
      'k8s-pem',
    )
    assert.equal(expired.status, 403)
    assert.deepEqual(expired.body.errors, ['invalid expiration time (exp) claim: token is expired'])
    assert.equal(k8s.reviews.length, reviews + 2, 'tokens refused locally never reach the API')
    assert.equal(lastLoginAudit('k8s-pem').error, 'invalid expiration time (exp) claim: token is expired')
  })
})
