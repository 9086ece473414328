// Compatibility with hvac's auth.cert and a plain requests client certificate: hvac_cert_scenario.py drives an HTTPS server.
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { TestPki } from '../helpers/pki.ts'
import { runScenario } from '../helpers/python.ts'
import { OPENSSL, pythonModules, skipUnless } from '../helpers/requirements.ts'
import { initialise, startTlsServer } from '../helpers/tls-server.ts'

const SCRIPT = fileURLToPath(new URL('./hvac_cert_scenario.py', import.meta.url))

test('hvac auth.cert against Coffer over HTTPS', { timeout: 120_000 }, async (t) => {
  if (await skipUnless(t, pythonModules('hvac, requests'), OPENSSL)) return
  const dir = mkdtempSync(join(tmpdir(), 'coffer-hvac-cert-'))
  const pki = new TestPki(join(dir, 'pki'))
  const ca = pki.root('ca')
  const client = pki.issue('client', ca, { cn: 'app.example.com' })
  const stranger = pki.issue('stranger', pki.root('stranger-ca'), { cn: 'app.example.com' })
  const server = await startTlsServer(join(dir, 'server'))
  let r: Awaited<ReturnType<typeof runScenario>>
  try {
    await initialise(server)
    r = await runScenario(SCRIPT, {
      VAULT_ADDR: server.server.address,
      VAULT_TOKEN: server.rootToken,
      SERVER_CA: server.serverCa,
      CLIENT_CA_PEM: ca.certFile,
      CLIENT_CERT: client.certFile,
      CLIENT_KEY: client.keyFile,
      STRANGER_CERT: stranger.certFile,
      STRANGER_KEY: stranger.keyFile,
    })
  } finally {
    await server.server.close()
  }

  assert.equal(r['enable_cert'], 204)
  assert.equal(r['create_role'], 204)
  assert.deepEqual(r['read_role'], ['app.example.com'])
  assert.deepEqual(r['list_roles'], ['app'])
  assert.deepEqual(r['hvac_login'], {
    policies: ['default', 'reader'],
    cert_name: 'app',
    common_name: 'app.example.com',
    authenticated: true,
  })
  assert.deepEqual(r['hvac_login_stranger'], {
    error: 'InvalidRequest',
    errors: ['invalid certificate or no client certificate supplied'],
  })
  assert.deepEqual(r['requests_login'], { status: 200, policies: ['default', 'reader'] })
  assert.equal(r['delete_role'], 204)
})
