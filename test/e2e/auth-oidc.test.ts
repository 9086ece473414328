// The OIDC browser login end to end against a local provider: auth_url, the provider's redirect, callback with PKCE and nonce.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type OidcProvider, startOidcProvider } from '../helpers/oidc-provider.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const REDIRECT = 'http://localhost:8250/oidc/callback'

describe('oidc auth method (browser flow)', () => {
  let t: TestServer
  let idp: OidcProvider

  /** auth_url, then the provider's authorize endpoint as a browser would follow it; returns the callback query. */
  async function startLogin(body: Record<string, unknown> = { role: 'web', redirect_uri: REDIRECT }) {
    const res = await t.call('POST', 'auth/oidc/oidc/auth_url', { token: '', body })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const authUrl = new URL(res.body.data.auth_url)
    const redirect = await fetch(authUrl, { redirect: 'manual' })
    assert.equal(redirect.status, 302)
    const back = new URL(redirect.headers.get('location')!)
    return { authUrl, state: back.searchParams.get('state')!, code: back.searchParams.get('code')! }
  }
  const callback = (query: Record<string, string>) =>
    t.call('GET', `auth/oidc/oidc/callback?${new URLSearchParams(query)}`, { token: '' })

  before(async () => {
    idp = await startOidcProvider()
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/oidc', { body: { type: 'oidc' } })).status, 204)
    const config = await t.call('POST', 'auth/oidc/config', {
      body: {
        oidc_discovery_url: idp.issuer,
        oidc_client_id: 'coffer-client',
        oidc_client_secret: 'client-secret-value',
        default_role: 'web',
      },
    })
    assert.equal(config.status, 204, JSON.stringify(config.body))
    await t.call('PUT', 'sys/policies/acl/staff', {
      body: { policy: 'path "secret/*" { capabilities = ["read"] }' },
    })
    const role = await t.call('POST', 'auth/oidc/role/web', {
      body: {
        allowed_redirect_uris: [REDIRECT],
        user_claim: 'email',
        groups_claim: 'groups',
        oidc_scopes: ['email', 'profile'],
        token_policies: ['staff'],
      },
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
  })
  after(async () => {
    await t?.close()
    await idp?.close()
  })

  it('never returns the client secret on read', async () => {
    const res = await t.call('GET', 'auth/oidc/config')
    assert.equal(res.body.data.oidc_client_id, 'coffer-client')
    assert.equal('oidc_client_secret' in res.body.data, false)
    assert.ok(!JSON.stringify(res.body).includes('client-secret-value'))
  })

  it('auth_url → provider → callback mints a token; the state is single-use', async () => {
    const { authUrl, state, code } = await startLogin({
      role: 'web',
      redirect_uri: REDIRECT,
      client_nonce: 'cn-1',
    })
    const q = authUrl.searchParams
    assert.equal(q.get('client_id'), 'coffer-client')
    assert.equal(q.get('redirect_uri'), REDIRECT)
    assert.equal(q.get('response_type'), 'code')
    assert.equal(q.get('scope'), 'openid email profile')
    assert.equal(q.get('code_challenge_method'), 'S256')
    assert.match(q.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/)
    assert.ok(q.get('nonce') && q.get('state'))

    const res = await callback({ state, code, client_nonce: 'cn-1' })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.auth.policies, ['default', 'staff'])
    assert.deepEqual(res.body.auth.metadata, { role: 'web' })
    const self = await t.call('GET', 'auth/token/lookup-self', { token: res.body.auth.client_token })
    assert.equal(self.body.data.display_name, 'oidc-alice@example.com')

    const replay = await callback({ state, code, client_nonce: 'cn-1' })
    assert.equal(replay.status, 400)
    assert.deepEqual(replay.body.errors, ['Expired or missing OAuth state.'])
  })

  it('sends the verifier of the login the state belongs to (PKCE): a code from another login is refused', async () => {
    const a = await startLogin()
    const b = await startLogin()
    const failures = idp.pkceFailures
    const res = await callback({ state: b.state, code: a.code })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.errors, [
      'Vault login failed. Error exchanging oidc code: invalid_grant: PKCE verification failed',
    ])
    assert.equal(idp.pkceFailures, failures + 1, 'the provider checked the verifier and refused it')
    const again = await callback({ state: b.state, code: b.code })
    assert.deepEqual(
      again.body.errors,
      ['Expired or missing OAuth state.'],
      'a state is spent even by a failed callback',
    )
  })

  it('refuses a wrong nonce, a wrong client_nonce, an unlisted redirect_uri and unmet bound claims', async () => {
    idp.idTokenOverrides = { nonce: 'replayed-nonce' }
    try {
      const login = await startLogin()
      const res = await callback({ state: login.state, code: login.code })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body.errors, ['Invalid ID token nonce.'])
    } finally {
      idp.idTokenOverrides = {}
    }

    const withNonce = await startLogin({ role: 'web', redirect_uri: REDIRECT, client_nonce: 'mine' })
    const wrong = await callback({ state: withNonce.state, code: withNonce.code, client_nonce: 'theirs' })
    assert.deepEqual(wrong.body.errors, ['invalid client_nonce'])

    const redirect = await t.call('POST', 'auth/oidc/oidc/auth_url', {
      token: '',
      body: { role: 'web', redirect_uri: 'https://evil.example/cb' },
    })
    assert.equal(redirect.status, 400)
    assert.deepEqual(redirect.body.errors, ['unauthorized redirect_uri: https://evil.example/cb'])

    await t.call('POST', 'auth/oidc/role/admins', {
      body: {
        allowed_redirect_uris: [REDIRECT],
        user_claim: 'sub',
        bound_claims: { groups: ['root-group'] },
      },
    })
    const admin = await startLogin({ role: 'admins', redirect_uri: REDIRECT })
    const refused = await callback({ state: admin.state, code: admin.code })
    assert.equal(refused.status, 400)
    assert.deepEqual(refused.body.errors, [
      'error validating claims: claim "groups" does not match any associated bound claim values',
    ])

    const unknown = await t.call('POST', 'auth/oidc/oidc/auth_url', {
      token: '',
      body: { role: 'ghost', redirect_uri: REDIRECT },
    })
    assert.deepEqual(unknown.body.errors, ['role "ghost" could not be found'])
  })

  it('reports a provider error from the redirect', async () => {
    const res = await callback({ state: 'x', error: 'access_denied', error_description: 'user said no' })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.errors, [
      'Vault login failed. Error from OIDC provider: access_denied: user said no',
    ])
  })

  it('JWT login on a discovery-configured mount checks the provider’s issuer', async () => {
    await t.call('POST', 'auth/oidc/role/service', {
      body: { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['svc'] },
    })
    const ok = await t.call('POST', 'auth/oidc/login', {
      token: '',
      body: { role: 'service', jwt: await idp.sign({ sub: 'svc-1', aud: 'svc' }) },
    })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    const wrongIss = await t.call('POST', 'auth/oidc/login', {
      token: '',
      body: {
        role: 'service',
        jwt: await idp.sign({ sub: 'svc-1', aud: 'svc', iss: 'https://other.example' }),
      },
    })
    assert.equal(wrongIss.status, 400)
    assert.deepEqual(wrongIss.body.errors, ['error validating token: invalid issuer (iss) claim'])
  })
})
