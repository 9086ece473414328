// kubernetes login in-process: pem_keys verification, claim and binding checks, and the TokenReview API (fakes on loopback).
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type CryptoKey, exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { makeBackend } from '../../../../test/helpers/backend.ts'
import { describeUnless, OPENSSL, unmet } from '../../../../test/helpers/requirements.ts'
import { makeSelfSignedCert } from '../../../../test/helpers/tls.ts'
import {
  startTokenReviewServer,
  type TokenReviewServer,
} from '../../../../test/helpers/token-review-server.ts'
import { type BackendHarness, failure } from '../../../sdk/framework/backend-harness.ts'
import { kubernetesBackend } from './backend.ts'

const APP = { namespace: 'prod', name: 'app', uid: '7a8f0c1e-0000-4000-8000-000000000001' }
type Account = typeof APP
/**
 * A plain-HTTP TokenReview stand-in that vouches for whatever account a token names, for the audiences asked: the
 * pem_keys tests below exercise the local checks, which run before (and whatever) the cluster says.
 */
const echoReviewer = (() => {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const spec = JSON.parse(Buffer.concat(chunks).toString()).spec ?? {}
    const claims = JSON.parse(Buffer.from(String(spec.token).split('.')[1] ?? '', 'base64url').toString())
    const nested = claims['kubernetes.io']
    const namespace = nested?.namespace ?? claims['kubernetes.io/serviceaccount/namespace']
    const name = nested?.serviceaccount?.name ?? claims['kubernetes.io/serviceaccount/service-account.name']
    const uid = nested?.serviceaccount?.uid ?? claims['kubernetes.io/serviceaccount/service-account.uid']
    res.writeHead(201, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        status: {
          authenticated: true,
          user: { username: `system:serviceaccount:${namespace}:${name}`, uid },
          audiences: spec.audiences ?? [],
        },
      }),
    )
  })
  const listening = new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  )
  return async () => {
    await listening
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
})()

const opened: BackendHarness[] = []
after(async () => {
  for (const h of opened) await h.close()
})

interface Logged {
  level: string
  message: string
  context: Record<string, unknown> | undefined
}

async function make(clockNow = Date.now()): Promise<BackendHarness & { logs: Logged[] }> {
  const logs: Logged[] = []
  const h = await makeBackend(kubernetesBackend, {
    mount: { type: 'kubernetes' },
    clock: { now: clockNow },
    log: (level, message, context) => logs.push({ level, message, context }),
  })
  opened.push(h)
  return { ...h, logs }
}

/** A service account token signer (what the cluster's controller-manager holds). */
async function signer() {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(privateKey as CryptoKey)
  return {
    publicKeyPem: await exportSPKI(publicKey),
    sign,
    /** A legacy (secret-based) token: flat kubernetes.io/serviceaccount/* claims, no expiry. */
    legacy: (sa: Account, extra: Record<string, unknown> = {}) =>
      sign({
        iss: 'kubernetes/serviceaccount',
        sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
        'kubernetes.io/serviceaccount/namespace': sa.namespace,
        'kubernetes.io/serviceaccount/secret.name': `${sa.name}-token-x1`,
        'kubernetes.io/serviceaccount/service-account.name': sa.name,
        'kubernetes.io/serviceaccount/service-account.uid': sa.uid,
        ...extra,
      }),
    /** A projected token: the nested kubernetes.io claim, an audience and a validity window. */
    projected: (sa: Account, audience: string, times: { iat: number; exp: number; nbf?: number }) =>
      sign({
        aud: [audience],
        ...times,
        iss: 'https://kubernetes.default.svc.cluster.local',
        sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
        'kubernetes.io': {
          namespace: sa.namespace,
          pod: { name: `${sa.name}-pod`, uid: 'pod-uid' },
          serviceaccount: { name: sa.name, uid: sa.uid },
        },
      }),
  }
}

const login = (h: BackendHarness, body: Record<string, unknown>, remoteAddress = '127.0.0.1') =>
  h.call('update', 'login', body, { remoteAddress })

describe('kubernetes login with pem_keys (verified locally, then reviewed)', () => {
  let s: Awaited<ReturnType<typeof signer>>
  before(async () => {
    s = await signer()
  })

  async function configured(role: Record<string, unknown> = {}, config: Record<string, unknown> = {}) {
    const h = await make(Date.UTC(2024, 5, 1))
    await h.call('update', 'config', {
      kubernetes_host: await echoReviewer(),
      pem_keys: [s.publicKeyPem],
      ...config,
    })
    await h.call('update', 'role/app', {
      bound_service_account_names: ['app', 'app-*'],
      bound_service_account_namespaces: ['prod', 'team-*'],
      token_policies: 'app-read',
      token_ttl: '1h',
      ...role,
    })
    return h
  }

  it('logs a service account in: policies, display name, metadata and an alias by UID (Vault’s default)', async () => {
    const h = await configured()
    const res = await login(h, { role: 'app', jwt: await s.legacy(APP) })
    const auth = res?.auth
    assert.ok(auth)
    assert.deepEqual(auth.policies, ['app-read'])
    assert.equal(auth.ttl, 3600)
    assert.equal(auth.displayName, 'prod-app')
    assert.deepEqual(auth.metadata, {
      role: 'app',
      service_account_uid: APP.uid,
      service_account_name: 'app',
      service_account_namespace: 'prod',
      service_account_secret_name: 'app-token-x1',
    })
    assert.deepEqual(auth.alias, {
      name: APP.uid,
      metadata: {
        service_account_uid: APP.uid,
        service_account_name: 'app',
        service_account_namespace: 'prod',
        service_account_secret_name: 'app-token-x1',
      },
    })
    assert.deepEqual(auth.internal, { role: 'app', alias: APP.uid })
  })

  it('names the alias namespace/name with alias_name_source=serviceaccount_name', async () => {
    const h = await configured({ alias_name_source: 'serviceaccount_name' })
    const res = await login(h, { role: 'app', jwt: await s.legacy(APP) })
    assert.equal(res?.auth?.alias?.name, 'prod/app')
  })

  it('matches bound names and namespaces by glob, and "*" allows any', async () => {
    const h = await configured()
    for (const sa of [
      { ...APP, name: 'app-7' },
      { ...APP, namespace: 'team-blue' },
      { ...APP, name: 'app-x', namespace: 'team-' },
    ])
      assert.ok((await login(h, { role: 'app', jwt: await s.legacy(sa) }))?.auth, JSON.stringify(sa))
    assert.deepEqual(
      await failure(async () => login(h, { role: 'app', jwt: await s.legacy({ ...APP, name: 'web' }) })),
      {
        status: 403,
        message: 'service account name not authorized',
      },
    )
    assert.deepEqual(
      await failure(async () => login(h, { role: 'app', jwt: await s.legacy({ ...APP, name: 'myapp-1' }) })),
      { status: 403, message: 'service account name not authorized' },
      'a glob is anchored at both ends',
    )
    assert.deepEqual(
      await failure(async () =>
        login(h, { role: 'app', jwt: await s.legacy({ ...APP, namespace: 'kube-system' }) }),
      ),
      { status: 403, message: 'namespace not authorized' },
    )
    await h.call('update', 'role/any', {
      bound_service_account_names: '*',
      bound_service_account_namespaces: '*',
    })
    const anyone = { namespace: 'kube-system', name: 'whoever', uid: 'u-2' }
    assert.ok((await login(h, { role: 'any', jwt: await s.legacy(anyone) }))?.auth)
  })

  it('refuses a token signed by another key with a bare 403, and a non-JWT saying so', async () => {
    const h = await configured()
    const other = await signer()
    assert.deepEqual(await failure(async () => login(h, { role: 'app', jwt: await other.legacy(APP) })), {
      status: 403,
      message: 'permission denied',
    })
    assert.deepEqual(await failure(() => login(h, { role: 'app', jwt: 'not-a-jwt' })), {
      status: 403,
      message: 'error parsing token: not a JWT',
    })
  })

  it('allows 60 s of clock skew on the exp, nbf and iat a token carries, and no more (Vault’s validator)', async () => {
    const h = await configured({ audience: 'coffer' })
    const now = Math.floor(h.clock.now / 1000)
    const expired = await s.projected(APP, 'coffer', { iat: now - 3600, exp: now - 59 })
    assert.ok((await login(h, { role: 'app', jwt: expired }))?.auth, 'within the leeway')
    h.tick(2_000)
    assert.deepEqual(await failure(() => login(h, { role: 'app', jwt: expired })), {
      status: 403,
      message: 'invalid expiration time (exp) claim: token is expired',
    })
    const late = Math.floor(h.clock.now / 1000)
    const early = await s.projected(APP, 'coffer', { iat: late - 10, exp: late + 3600, nbf: late + 59 })
    assert.ok((await login(h, { role: 'app', jwt: early }))?.auth)
    const tooEarly = await s.projected(APP, 'coffer', { iat: late - 10, exp: late + 3600, nbf: late + 61 })
    assert.deepEqual(await failure(() => login(h, { role: 'app', jwt: tooEarly })), {
      status: 403,
      message: 'invalid not before (nbf) claim: token not yet valid',
    })
    const future = await s.projected(APP, 'coffer', { iat: late + 61, exp: late + 3600, nbf: late })
    assert.deepEqual(await failure(() => login(h, { role: 'app', jwt: future })), {
      status: 403,
      message: 'invalid issued at (iat) claim: token issued in the future',
    })
  })

  it('a token with iat but no exp lives 150 s after iat (plus skew); one with none of the claims never expires', async () => {
    const h = await configured({})
    const now = Math.floor(h.clock.now / 1000)
    assert.ok((await login(h, { role: 'app', jwt: await s.legacy(APP, { iat: now - 209 }) }))?.auth)
    assert.deepEqual(
      await failure(async () => login(h, { role: 'app', jwt: await s.legacy(APP, { iat: now - 211 }) })),
      {
        status: 403,
        message: 'invalid expiration time (exp) claim: token is expired',
      },
    )
    assert.ok((await login(h, { role: 'app', jwt: await s.legacy(APP) }))?.auth)
  })

  it('checks the audience a role names; projected claims identify the account', async () => {
    const h = await configured({ audience: 'coffer' })
    const now = Math.floor(h.clock.now / 1000)
    const times = { iat: now, exp: now + 600 }
    const res = await login(h, {
      role: 'app',
      jwt: await s.projected({ ...APP, name: 'app-2' }, 'coffer', times),
    })
    assert.equal(res?.auth?.metadata?.['service_account_name'], 'app-2')
    assert.equal(res?.auth?.metadata?.['service_account_secret_name'], '', 'projected tokens have no secret')
    assert.deepEqual(
      await failure(async () => login(h, { role: 'app', jwt: await s.projected(APP, 'vault', times) })),
      {
        status: 403,
        message: 'invalid audience (aud) claim',
      },
    )
  })

  it('checks the issuer only when disable_iss_validation is false (Vault’s default is to skip it)', async () => {
    const h = await configured()
    const foreign = await s.legacy(APP, { iss: 'someone-else' })
    assert.ok((await login(h, { role: 'app', jwt: foreign }))?.auth, 'skipped by default')
    await h.call('update', 'config', {
      kubernetes_host: await echoReviewer(),
      pem_keys: [s.publicKeyPem],
      disable_iss_validation: false,
    })
    assert.deepEqual(await failure(() => login(h, { role: 'app', jwt: foreign })), {
      status: 403,
      message: 'invalid issuer (iss) claim',
    })
    assert.ok((await login(h, { role: 'app', jwt: await s.legacy(APP) }))?.auth, 'the default issuer')
    await h.call('update', 'config', {
      kubernetes_host: await echoReviewer(),
      pem_keys: [s.publicKeyPem],
      disable_iss_validation: false,
      issuer: 'someone-else',
    })
    assert.ok((await login(h, { role: 'app', jwt: foreign }))?.auth, 'the configured issuer')
  })

  it('refuses missing input, unknown roles, a missing config, a token without UID, and foreign addresses', async () => {
    const h = await configured({ token_bound_cidrs: '10.0.0.0/8' })
    const jwt = await s.legacy(APP)
    assert.deepEqual(await failure(() => login(h, { jwt })), { status: 400, message: 'missing role' })
    assert.deepEqual(await failure(() => login(h, { role: 'app' })), { status: 400, message: 'missing jwt' })
    assert.deepEqual(await failure(() => login(h, { role: 'nope', jwt })), {
      status: 400,
      message: 'invalid role name "nope"',
    })
    assert.deepEqual(await failure(() => login(h, { role: 'app', jwt }, '192.168.1.1')), {
      status: 403,
      message: 'permission denied',
    })
    assert.ok((await login(h, { role: 'app', jwt }, '10.1.2.3'))?.auth)
    assert.deepEqual(
      await failure(async () =>
        login(h, { role: 'app', jwt: await s.legacy({ ...APP, uid: '' }) }, '10.1.2.3'),
      ),
      { status: 400, message: 'could not parse UID from claims' },
    )
    const bare = await make()
    await bare.call('update', 'role/app', {
      bound_service_account_names: '*',
      bound_service_account_namespaces: '*',
    })
    assert.deepEqual(await failure(() => login(bare, { role: 'app', jwt })), {
      status: 400,
      message: 'could not load backend configuration',
    })
  })

  it('login is an unauthenticated path', async () => {
    const h = await make()
    assert.equal(h.instance.isSpecial('unauthenticated', 'login'), true)
    assert.equal(h.instance.isSpecial('unauthenticated', 'role/app'), false)
  })
})

/** A plain-HTTP TokenReview stand-in whose answer each test sets, for the verdicts a real cluster rarely gives. */
async function scriptedReviewer() {
  const seen: { bearer: string; body: Record<string, unknown> }[] = []
  let answer: { status: number; body: string } = { status: 201, body: '{}' }
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    seen.push({
      bearer: (req.headers.authorization ?? '').replace(/^Bearer /, ''),
      body: JSON.parse(Buffer.concat(chunks).toString()),
    })
    res.writeHead(answer.status, { 'content-type': 'application/json' })
    res.end(answer.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    answer(status: number, body: unknown) {
      answer = { status, body: typeof body === 'string' ? body : JSON.stringify(body) }
    },
    /** An authenticated review of `sa`, valid for `audiences` (what an audience-aware API server answers). */
    vouch(sa: Account, audiences: string[] = ['coffer']) {
      this.answer(201, {
        status: {
          authenticated: true,
          user: { username: `system:serviceaccount:${sa.namespace}:${sa.name}`, uid: sa.uid },
          audiences,
        },
      })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

describe('kubernetes login through the TokenReview API (scripted answers)', () => {
  let s: Awaited<ReturnType<typeof signer>>
  let api: Awaited<ReturnType<typeof scriptedReviewer>>
  before(async () => {
    s = await signer()
    api = await scriptedReviewer()
  })
  after(() => api.close())

  async function configured() {
    const h = await make()
    await h.call('update', 'config', {
      kubernetes_host: api.host,
      token_reviewer_jwt: 'reviewer-jwt',
    })
    await h.call('update', 'role/app', {
      bound_service_account_names: 'app',
      bound_service_account_namespaces: 'prod',
      audience: 'coffer',
    })
    return h
  }

  it('sends the token and the role’s audience with the reviewer JWT as bearer, and logs in on a match', async () => {
    const h = await configured()
    api.vouch(APP)
    const jwt = await s.legacy(APP, { aud: 'coffer' })
    assert.ok((await login(h, { role: 'app', jwt }))?.auth)
    assert.equal(api.seen.at(-1)?.bearer, 'reviewer-jwt')
    assert.deepEqual(api.seen.at(-1)?.body, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token: jwt, audiences: ['coffer'] },
    })
  })

  it('refuses when the review vouches for another account than the token names, logging why', async () => {
    // Otherwise a token could claim another service account's identity as long as some account is valid.
    const h = await configured()
    const jwt = await s.legacy(APP, { aud: 'coffer' })
    for (const [other, reason] of [
      [{ ...APP, name: 'other' }, 'JWT names did not match'],
      [{ ...APP, uid: 'other-uid' }, 'JWT UIDs did not match'],
      [{ ...APP, namespace: 'other' }, 'JWT namespaces did not match'],
    ] as const) {
      api.vouch(other)
      assert.deepEqual(await failure(() => login(h, { role: 'app', jwt })), {
        status: 403,
        message: 'permission denied',
      })
      assert.deepEqual(h.logs.at(-1), {
        level: 'info',
        message: 'kubernetes login refused',
        context: { role: 'app', reason },
      })
    }
  })

  it('refuses a review that does not confirm the audience it was asked about, as Vault does', async () => {
    // A reviewer that is not audience-aware would vouch for a token minted for another audience.
    const h = await configured()
    const jwt = await s.legacy(APP, { aud: 'coffer' })
    for (const audiences of [[], ['kubernetes.default.svc']]) {
      api.vouch(APP, audiences)
      assert.deepEqual(await failure(() => login(h, { role: 'app', jwt })), {
        status: 403,
        message: 'permission denied',
      })
      assert.match(
        String(h.logs.at(-1)?.context?.['reason']),
        /valid for audience\(s\) .* but wanted \[coffer\]/,
      )
    }
    api.vouch(APP, ['other', 'coffer'])
    assert.ok((await login(h, { role: 'app', jwt }))?.auth)
  })

  it('an unauthenticated review, or a 401/403 from the API, is a bare 403', async () => {
    const h = await configured()
    const jwt = await s.legacy(APP, { aud: 'coffer' })
    api.answer(201, { status: { authenticated: false, error: 'token has been invalidated' } })
    assert.equal((await failure(() => login(h, { role: 'app', jwt }))).status, 403)
    assert.match(String(h.logs.at(-1)?.context?.['reason']), /token has been invalidated/)
    api.answer(403, { kind: 'Status' })
    assert.deepEqual(await failure(() => login(h, { role: 'app', jwt })), {
      status: 403,
      message: 'permission denied',
    })
    api.answer(201, { status: { authenticated: true, user: { username: 'admin', uid: APP.uid } } })
    assert.equal((await failure(() => login(h, { role: 'app', jwt }))).status, 403, 'not a service account')
  })

  it('an API that fails or answers garbage is a 502, never a login', async () => {
    const h = await configured()
    const jwt = await s.legacy(APP, { aud: 'coffer' })
    api.answer(500, 'oops')
    assert.deepEqual(await failure(() => login(h, { role: 'app', jwt })), {
      status: 502,
      message: 'the TokenReview API answered 500',
    })
    api.answer(201, 'not json')
    assert.deepEqual(await failure(() => login(h, { role: 'app', jwt })), {
      status: 502,
      message: 'the TokenReview API did not answer JSON',
    })
  })
})

describeUnless(await unmet(OPENSSL), 'kubernetes login through the TokenReview API (HTTPS stand-in)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-k8s-login-'))
  let k8s: TokenReviewServer
  let ca = ''
  before(async () => {
    const cert = makeSelfSignedCert(dir)
    if (!cert) throw new Error('openssl could not make the test certificate')
    ca = readFileSync(cert.cert, 'utf8')
    k8s = await startTokenReviewServer({ key: readFileSync(cert.key, 'utf8'), cert: ca })
  })
  after(async () => {
    await k8s?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function configured(config: Record<string, unknown>) {
    // The stand-in stamps projected tokens with the wall clock, so the harness clock starts there too.
    const h = await make(Date.now())
    await h.call('update', 'config', { kubernetes_host: k8s.host, kubernetes_ca_cert: ca, ...config })
    await h.call('update', 'role/app', {
      bound_service_account_names: 'app',
      bound_service_account_namespaces: 'prod',
      token_policies: 'app-read',
    })
    return h
  }

  it('logs in over TLS pinned to kubernetes_ca_cert, with the reviewer JWT as bearer', async () => {
    const h = await configured({ token_reviewer_jwt: k8s.reviewerJwt })
    const res = await login(h, { role: 'app', jwt: await k8s.legacyToken(APP) })
    assert.deepEqual(res?.auth?.policies, ['app-read'])
    assert.equal(k8s.reviews.at(-1)?.bearer, k8s.reviewerJwt)
    assert.equal(k8s.reviews.at(-1)?.authenticated, true)
  })

  it('without a reviewer JWT, the client’s own token authorises the review', async () => {
    const h = await configured({ disable_local_ca_jwt: true })
    const jwt = await k8s.projectedToken(APP, 'coffer')
    assert.ok((await login(h, { role: 'app', jwt }))?.auth)
    assert.equal(k8s.reviews.at(-1)?.bearer, jwt)
    assert.deepEqual(
      k8s.reviews.at(-1)?.audiences,
      ['coffer'],
      'the token’s own audiences when the role names none',
    )
  })

  it('refuses the token of a deleted service account', async () => {
    const h = await configured({ token_reviewer_jwt: k8s.reviewerJwt })
    const jwt = await k8s.legacyToken(APP)
    k8s.revoked.add(jwt)
    assert.deepEqual(await failure(() => login(h, { role: 'app', jwt })), {
      status: 403,
      message: 'permission denied',
    })
  })

  it('refuses an API server whose certificate the configured CA did not sign (502, no login)', async () => {
    const other = mkdtempSync(join(tmpdir(), 'coffer-k8s-other-'))
    try {
      const wrong = makeSelfSignedCert(other)
      assert.ok(wrong)
      const h = await configured({
        token_reviewer_jwt: k8s.reviewerJwt,
        kubernetes_ca_cert: readFileSync(wrong.cert, 'utf8'),
      })
      const refused = await failure(async () => login(h, { role: 'app', jwt: await k8s.legacyToken(APP) }))
      assert.equal(refused.status, 502)
      assert.match(refused.message, /^error calling the TokenReview API/)
    } finally {
      rmSync(other, { recursive: true, force: true })
    }
  })
})
