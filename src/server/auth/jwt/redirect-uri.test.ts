// The allowed_redirect_uris rule: exact matches, and loopback URIs that differ from an allowed one in the port only.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { redirectAllowed } from './redirect-uri.ts'

const ALLOWED = ['http://localhost:8250/oidc/callback', 'https://app.example/cb', 'http://[::1]:8250/cb']

it('allows a listed URI exactly and a loopback URI on another port', () => {
  assert.equal(redirectAllowed('https://app.example/cb', ALLOWED), true)
  assert.equal(redirectAllowed('http://localhost:8250/oidc/callback', ALLOWED), true)
  assert.equal(redirectAllowed('http://localhost:49152/oidc/callback', ALLOWED), true)
  assert.equal(redirectAllowed('http://localhost/oidc/callback', ALLOWED), true)
  assert.equal(redirectAllowed('http://[::1]:1234/cb', ALLOWED), true)
})

it('refuses a non-loopback URI that is not listed exactly, whatever its port', () => {
  assert.equal(redirectAllowed('https://app.example:8443/cb', ALLOWED), false)
  assert.equal(redirectAllowed('https://app.example/cb?x=1', ALLOWED), false)
  assert.equal(redirectAllowed('https://evil.example/cb', ALLOWED), false)
  assert.equal(redirectAllowed('not a uri', ALLOWED), false)
})

it('refuses a loopback URI whose query, fragment, user info, scheme or path differs from every allowed one', () => {
  for (const uri of [
    'http://localhost:9999/oidc/callback?next=https://evil.example',
    'http://localhost:9999/oidc/callback#frag',
    'http://attacker@localhost:9999/oidc/callback',
    'https://localhost:9999/oidc/callback',
    'http://localhost:9999/oidc/callback/extra',
    'http://127.0.0.1:8250/oidc/callback',
  ])
    assert.equal(redirectAllowed(uri, ALLOWED), false, uri)
})
