// OIDC callbacks under concurrency on real SQLite storage: one auth_url state is redeemed by exactly one callback.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type OidcProvider, startOidcProvider } from '../../../../test/helpers/oidc-provider.ts'
import { type AuthHarness, makeAuth, sqliteStorage } from '../userpass/test-helpers.ts'
import { jwtBackend } from './backend.ts'

const REDIRECT = 'http://localhost:8250/oidc/callback'

describe('oidc callback races (SQLite)', () => {
  let idp: OidcProvider
  let h: AuthHarness
  let close: () => Promise<void>

  before(async () => {
    idp = await startOidcProvider()
    const stack = await sqliteStorage()
    close = stack.close
    h = await makeAuth(jwtBackend, 'oidc', stack.storage)
    await h.call('update', 'config', {
      oidc_discovery_url: idp.issuer,
      oidc_client_id: 'coffer-client',
      oidc_client_secret: 'client-secret-value',
      default_role: 'web',
    })
    await h.call('create', 'role/web', {
      allowed_redirect_uris: [REDIRECT],
      user_claim: 'email',
      token_policies: ['staff'],
    })
  })
  after(async () => {
    await close?.()
    await idp?.close()
  })

  /** auth_url's state and nonce. */
  async function start() {
    const url = new URL(
      (await h.call('update', 'oidc/auth_url', { role: 'web', redirect_uri: REDIRECT }))?.data?.[
        'auth_url'
      ] as string,
    )
    return { url, state: url.searchParams.get('state')!, nonce: url.searchParams.get('nonce')! }
  }

  /** An ID token for this login, stamped with the harness clock. */
  function idToken(nonce: string) {
    const now = Math.floor(h.clock.now / 1000)
    return idp.sign(
      {
        iss: idp.issuer,
        aud: 'coffer-client',
        sub: 'alice',
        email: 'alice@example.com',
        nonce,
        iat: now,
        exp: now + 300,
      },
      { noDefaults: true },
    )
  }

  async function burst(bodies: Array<Record<string, unknown>>) {
    const answers = await Promise.allSettled(bodies.map((body) => h.call('update', 'oidc/callback', body)))
    return {
      ok: answers.filter((a) => a.status === 'fulfilled' && a.value?.auth).length,
      refused: answers.filter((a) => a.status === 'rejected').length,
    }
  }

  it('redeems one state with exactly one of 40 concurrent callbacks carrying its ID token', async () => {
    const { state, nonce } = await start()
    const token = await idToken(nonce)
    assert.deepEqual(await burst(Array(40).fill({ state, id_token: token })), { ok: 1, refused: 39 })
    assert.deepEqual(await burst([{ state, id_token: token }]), { ok: 0, refused: 1 })
  })

  it('redeems one state with exactly one of 20 concurrent code callbacks', async () => {
    const { url, state } = await start()
    // The provider's authorize step, as the browser follows it: it redirects back with a code for this state.
    const back = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!)
    const code = back.searchParams.get('code')!
    const now = Math.floor(h.clock.now / 1000)
    idp.idTokenOverrides = { iat: now, exp: now + 300 }
    assert.deepEqual(await burst(Array(20).fill({ state, code })), { ok: 1, refused: 19 })
  })

  it("consumes the nonce with its state: an ID token replayed with another login's state is refused", async () => {
    const first = await start()
    const token = await idToken(first.nonce)
    assert.deepEqual(await burst([{ state: first.state, id_token: token }]), { ok: 1, refused: 0 })
    const second = await start()
    await assert.rejects(h.call('update', 'oidc/callback', { state: second.state, id_token: token }), {
      message: 'Invalid ID token nonce.',
    })
  })
})
