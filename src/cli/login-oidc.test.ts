// `coffer login -method=oidc`: auth_url, the local callback the browser returns to, and the oidc/callback exchange.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { fakeServer, type Handler, run, type SeenRequest } from './test-io.ts'

let handler: Handler = () => ({ status: 404, body: { errors: [] } })
let server: Awaited<ReturnType<typeof fakeServer>>
before(async () => {
  server = await fakeServer((req) => handler(req))
})
after(() => server.close())

const OPTIONS = [
  'role=dev',
  'port=0',
  'listenaddress=127.0.0.1',
  'callbackhost=127.0.0.1',
  'skip_browser=true',
]

/** The provider's part: once auth_url was asked for, the "browser" lands on the redirect URI with a code. */
function providerThatRedirects(browser: { visit?: Promise<number> }): Handler {
  return (req: SeenRequest) => {
    if (req.path === 'auth/sso/oidc/auth_url') {
      const redirect = (req.body as { redirect_uri: string }).redirect_uri
      browser.visit = new Promise((resolve) =>
        setImmediate(() => resolve(fetch(`${redirect}?state=st-1&code=code-1`).then((res) => res.status))),
      )
      return { status: 200, body: { data: { auth_url: 'https://idp.example/authorize?x=1' } } }
    }
    if (req.path === 'auth/sso/oidc/callback')
      return {
        status: 200,
        body: { auth: { client_token: 'oidc-token', accessor: 'acc', policies: ['dev'] } },
      }
    return { status: 404, body: { errors: [] } }
  }
}

test('login -method=oidc: auth_url with a local redirect URI, then the callback with state, code and client_nonce', async () => {
  const browser: { visit?: Promise<number> } = {}
  server.seen.length = 0
  handler = providerThatRedirects(browser)
  const res = await run(['login', '-method=oidc', '-path=sso', '-token-only', ...OPTIONS], {
    env: { VAULT_ADDR: server.address },
  })
  assert.equal(res.code, 0, res.stderr)
  assert.equal(res.stdout, 'oidc-token')
  assert.match(
    res.stderr,
    /Complete the login via your OIDC provider\. Open the following link in your browser:\n\n {4}https:\/\/idp\.example\/authorize\?x=1\n/,
  )
  const [start, finish] = server.seen
  assert.equal(start?.method, 'PUT')
  const body = start?.body as { role: string; redirect_uri: string; client_nonce: string }
  assert.equal(body.role, 'dev')
  assert.match(body.redirect_uri, /^http:\/\/127\.0\.0\.1:\d+\/oidc\/callback$/)
  assert.match(body.client_nonce, /^[0-9a-f]{40}$/)
  assert.equal(finish?.method, 'GET')
  assert.equal(finish?.path, 'auth/sso/oidc/callback')
  assert.deepEqual(Object.fromEntries(finish?.query ?? []), {
    client_nonce: body.client_nonce,
    state: 'st-1',
    code: 'code-1',
    id_token: '',
  })
  assert.equal(await browser.visit, 200)
})

test('login -method=oidc: a refused callback exits 2 and the browser is told it failed', async () => {
  const browser: { visit?: Promise<number> } = {}
  const base = providerThatRedirects(browser)
  handler = (req) =>
    req.path === 'auth/sso/oidc/callback' ? { status: 400, body: { errors: ['invalid state'] } } : base(req)
  const res = await run(['login', '-method=oidc', '-path=sso', ...OPTIONS], {
    env: { VAULT_ADDR: server.address },
  })
  assert.equal(res.code, 2)
  assert.match(res.stderr, /Error completing the OIDC login: .*invalid state/s)
  assert.equal(await browser.visit, 400)
})

test('login -method=oidc: no auth_url in the answer exits 2 naming the role', async () => {
  handler = () => ({ status: 200, body: { data: { auth_url: '' } } })
  const res = await run(['login', '-method=oidc', '-path=sso', ...OPTIONS], {
    env: { VAULT_ADDR: server.address },
  })
  assert.equal(res.code, 2)
  assert.match(res.stderr, /Unable to authorize role "dev"/)
})
