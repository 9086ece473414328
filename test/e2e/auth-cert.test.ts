// cert auth over a real HTTPS listener: openssl-made CAs and client certificates, logins, refusals, audit, curl.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type Issued, TestPki } from '../helpers/pki.ts'
import { CURL, describeUnless, OPENSSL, skipUnless, unmet } from '../helpers/requirements.ts'
import { startDevServer } from '../helpers/server.ts'
import { initialise, startTlsServer, type TlsServer } from '../helpers/tls-server.ts'

const noOpenssl = await unmet(OPENSSL)

describeUnless(noOpenssl, 'cert auth method over HTTPS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-cert-'))
  const auditFile = join(dir, 'audit.log')
  const pki = new TestPki(join(dir, 'pki'))
  let t: TlsServer
  let ca: Issued
  let app: Issued
  let intruder: Issued
  let expired: Issued
  let bob: Issued
  let inter: Issued
  let deep: Issued
  let webOk: Issued
  let webBad: Issued
  let pinnedLeaf: Issued

  before(async () => {
    ca = pki.root('ca')
    app = pki.issue('app', ca, { cn: 'app.example.com', dns: ['app.example.com'], ou: 'payments' })
    const otherCa = pki.root('other-ca')
    intruder = pki.issue('intruder', otherCa, { cn: 'app.example.com' })
    pinnedLeaf = pki.issue('pinned', otherCa, { cn: 'pinned-client' })
    expired = pki.issue('expired', ca, { cn: 'app.example.com', expired: true })
    bob = pki.issue('bob', ca, { cn: 'bob.example.com' })
    inter = pki.issue('inter', ca, { cn: 'intermediate', ca: true })
    deep = pki.issue('deep', inter, { cn: 'deep.svc.example' })
    webOk = pki.issue('web-ok', ca, { cn: 'web client', dns: ['api.web.example'] })
    webBad = pki.issue('web-bad', ca, { cn: 'web client', dns: ['api.other.example'] })

    t = await startTlsServer(join(dir, 'server'))
    await initialise(t)
    assert.equal(
      (await t.call('PUT', 'sys/audit/file', { body: { type: 'file', options: { file_path: auditFile } } }))
        .status,
      204,
    )
    assert.equal(
      (await t.call('POST', 'sys/mounts/secret', { body: { type: 'kv', options: { version: '2' } } })).status,
      204,
    )
    await t.call('POST', 'secret/data/app', { body: { data: { k: 'v' } } })
    await t.call('PUT', 'sys/policies/acl/reader', {
      body: { policy: 'path "secret/data/*" { capabilities = ["read"] }' },
    })
    assert.equal((await t.call('POST', 'sys/auth/cert', { body: { type: 'cert' } })).status, 204)
    const role = await t.call('POST', 'auth/cert/certs/app', {
      body: {
        certificate: ca.pem,
        allowed_common_names: ['app.example.com', '*.svc.example'],
        token_policies: 'reader',
        token_ttl: '1h',
      },
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
  })
  after(() => t?.server.close())

  const login = (cert: Issued | { certFile: string; keyFile: string } | undefined, body: unknown = {}) =>
    t.call('POST', 'auth/cert/login', { token: '', body, ...(cert ? { cert } : {}) })

  it('logs in with a certificate the role’s CA issued; the token has the role’s policies', async () => {
    const res = await login(app)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const auth = res.body.auth
    assert.deepEqual(auth.policies, ['default', 'reader'])
    assert.equal(auth.lease_duration, 3600)
    const serial = BigInt(
      `0x${new (await import('node:crypto')).X509Certificate(app.pem).serialNumber}`,
    ).toString()
    assert.equal(auth.metadata.cert_name, 'app')
    assert.equal(auth.metadata.common_name, 'app.example.com')
    assert.equal(auth.metadata.serial_number, serial)
    assert.match(auth.metadata.subject_key_id, /^[0-9a-f]{2}(:[0-9a-f]{2})+$/)
    assert.match(auth.metadata.authority_key_id, /^[0-9a-f]{2}(:[0-9a-f]{2})+$/)
    const read = await t.call('GET', 'secret/data/app', { token: auth.client_token })
    assert.equal(read.status, 200)
    assert.deepEqual(read.body.data.data, { k: 'v' })
    const self = await t.call('GET', 'auth/token/lookup-self', { token: auth.client_token })
    assert.equal(self.body.data.display_name, 'cert-app')
    assert.equal(self.body.data.path, 'auth/cert/login')
    assert.equal((await t.call('GET', 'sys/policies/acl/reader', { token: auth.client_token })).status, 403)
    // The identity alias is the certificate's common name; a second login finds the same entity.
    const entity = await t.call('GET', `identity/entity/id/${auth.entity_id}`)
    assert.equal(entity.status, 200)
    assert.equal(entity.body.data.aliases[0].name, 'app.example.com')
    assert.equal(entity.body.data.aliases[0].mount_type, 'cert')
    assert.equal((await login(app)).body.auth.entity_id, auth.entity_id)
  })

  it('still serves requests that present no client certificate', async () => {
    const read = await t.call('GET', 'secret/data/app')
    assert.equal(read.status, 200)
    const health = await t.call('GET', 'sys/health')
    assert.equal(health.status, 200)
  })

  it('refuses a login without a client certificate', async () => {
    const res = await login(undefined)
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.errors, ['client certificate must be supplied'])
  })

  it('refuses a certificate from a CA no role trusts', async () => {
    const res = await login(intruder)
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.errors, ['invalid certificate or no client certificate supplied'])
  })

  it('refuses an expired certificate', async () => {
    const res = await login(expired)
    assert.equal(res.status, 400)
    assert.match(
      res.body.errors[0],
      /^failed to verify client's certificate: certificate has expired or is not yet valid/,
    )
  })

  it('refuses a certificate whose common name the role does not allow', async () => {
    const res = await login(bob)
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.errors, [
      'no chain matching all constraints could be found for this login certificate',
    ])
  })

  it('follows an intermediate the client presents, and needs it to be presented', async () => {
    const chain = { certFile: pki.chainFile('deep', [deep, inter]), keyFile: deep.keyFile }
    const ok = await login(chain)
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.equal(ok.body.auth.metadata.common_name, 'deep.svc.example')
    const alone = await login(deep)
    assert.equal(alone.status, 400)
    assert.deepEqual(alone.body.errors, ['invalid certificate or no client certificate supplied'])
  })

  it('matches DNS SANs with globs, and picks a role by name', async () => {
    await t.call('PUT', 'sys/policies/acl/web', {
      body: { policy: 'path "secret/data/web" { capabilities = ["read"] }' },
    })
    const role = await t.call('POST', 'auth/cert/certs/web', {
      body: {
        certificate: ca.pem,
        allowed_dns_sans: '*.web.example',
        token_policies: ['web'],
        display_name: 'web-tier',
      },
    })
    assert.equal(role.status, 204)
    const ok = await login(webOk, { name: 'web' })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.deepEqual(ok.body.auth.policies, ['default', 'web'])
    assert.equal(ok.body.auth.metadata.cert_name, 'web')
    const self = await t.call('GET', 'auth/token/lookup-self', { token: ok.body.auth.client_token })
    assert.equal(self.body.data.display_name, 'cert-web-tier')
    const bad = await login(webBad, { name: 'web' })
    assert.equal(bad.status, 400)
    assert.deepEqual(bad.body.errors, [
      'no chain matching all constraints could be found for this login certificate',
    ])
    // The app role would take this certificate by CA alone, but not by its common name: still refused.
    assert.equal((await login(webBad)).status, 400)
  })

  it('logs in with a pinned (non-CA) client certificate', async () => {
    const role = await t.call('POST', 'auth/cert/certs/pinned', {
      body: { certificate: pinnedLeaf.pem, policies: 'reader' },
    })
    assert.equal(role.status, 204)
    const ok = await login(pinnedLeaf)
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.equal(ok.body.auth.metadata.cert_name, 'pinned')
    assert.deepEqual(ok.body.auth.policies, ['default', 'reader'])
    // Another certificate from the same CA is not pinned.
    assert.equal((await login(intruder)).status, 400)
  })

  it('refuses a login from outside token_bound_cidrs with 403', async () => {
    await t.call('POST', 'auth/cert/certs/bound', {
      body: { certificate: ca.pem, allowed_common_names: 'bob.example.com', token_bound_cidrs: '10.0.0.0/8' },
    })
    const res = await login(bob, { name: 'bound' })
    assert.equal(res.status, 403)
    await t.call('DELETE', 'auth/cert/certs/bound')
  })

  it('reads, lists and deletes roles in Vault’s shape, and refuses bad input', async () => {
    const read = await t.call('GET', 'auth/cert/certs/app')
    assert.equal(read.status, 200)
    assert.equal(read.body.data.certificate, ca.pem)
    assert.equal(read.body.data.display_name, 'app')
    assert.deepEqual(read.body.data.allowed_common_names, ['app.example.com', '*.svc.example'])
    assert.deepEqual(read.body.data.token_policies, ['reader'])
    assert.equal(read.body.data.token_ttl, 3600)
    assert.equal(read.body.data.ocsp_enabled, false)
    const pinned = await t.call('GET', 'auth/cert/certs/pinned')
    assert.deepEqual(pinned.body.data.policies, ['reader'], 'a legacy name used to write is shown on read')
    const list = await t.call('LIST', 'auth/cert/certs')
    assert.deepEqual(list.body.data.keys, ['app', 'pinned', 'web'])

    const garbage = await t.call('POST', 'auth/cert/certs/bad', {
      body: { certificate: 'not a certificate' },
    })
    assert.equal(garbage.status, 400)
    assert.deepEqual(garbage.body.errors, ['failed to parse certificate: expected PEM'])
    const missing = await t.call('POST', 'auth/cert/certs/bad', { body: { token_policies: 'x' } })
    assert.deepEqual(missing.body.errors, ['missing certificate'])
    const serverOnly = pki.issue('server-only', ca, { cn: 'srv', eku: 'serverAuth' })
    const usage = await t.call('POST', 'auth/cert/certs/bad', { body: { certificate: serverOnly.pem } })
    assert.deepEqual(usage.body.errors, [
      'nonCA certificates should have TLS client authentication set as an extended key usage',
    ])
    const ext = await t.call('POST', 'auth/cert/certs/bad', {
      body: { certificate: ca.pem, required_extensions: 'nocolon' },
    })
    assert.equal(ext.status, 400)
    const ocsp = await t.call('POST', 'auth/cert/certs/bad', {
      body: { certificate: ca.pem, ocsp_enabled: true },
    })
    assert.equal(ocsp.status, 400)
    assert.equal((await t.call('GET', 'auth/cert/certs/bad')).status, 404, 'nothing was stored')

    assert.equal((await t.call('DELETE', 'auth/cert/certs/pinned')).status, 204)
    assert.equal((await t.call('GET', 'auth/cert/certs/pinned')).status, 404)
    assert.equal((await login(pinnedLeaf)).status, 400, 'a deleted role no longer logs anyone in')
  })

  it('checks required_extensions and copies allowed_metadata_extensions', async () => {
    const tagged = pki.issue('tagged', ca, {
      cn: 'tagged',
      extensions: ['1.3.6.1.4.1.99999.1=ASN1:UTF8String:team-payments'],
    })
    await t.call('POST', 'auth/cert/certs/ext', {
      body: {
        certificate: ca.pem,
        required_extensions: '1.3.6.1.4.1.99999.1:team-*',
        allowed_metadata_extensions: '1.3.6.1.4.1.99999.1',
      },
    })
    const ok = await login(tagged, { name: 'ext' })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.equal(ok.body.auth.metadata['1-3-6-1-4-1-99999-1'], 'team-payments')
    assert.equal((await login(app, { name: 'ext' })).status, 400, 'a certificate without the extension')
    await t.call('DELETE', 'auth/cert/certs/ext')
  })

  it('reads and writes config', async () => {
    assert.deepEqual((await t.call('GET', 'auth/cert/config')).body.data, {
      disable_binding: false,
      enable_identity_alias_metadata: false,
    })
    assert.equal((await t.call('POST', 'auth/cert/config', { body: { disable_binding: true } })).status, 204)
    assert.equal((await t.call('GET', 'auth/cert/config')).body.data.disable_binding, true)
  })

  it('leaves an audit record for each refused login', () => {
    const entries = readFileSync(auditFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((e) => e.type === 'response' && e.request?.path === 'auth/cert/login')
    const errors = entries.map((e) => e.error).filter(Boolean)
    for (const expected of [
      'client certificate must be supplied',
      'invalid certificate or no client certificate supplied',
      'no chain matching all constraints could be found for this login certificate',
      'permission denied',
    ])
      assert.ok(
        errors.includes(expected),
        `an audit record for "${expected}" (got ${JSON.stringify(errors)})`,
      )
    assert.ok(
      errors.some((e: string) =>
        e.startsWith("failed to verify client's certificate: certificate has expired"),
      ),
    )
    assert.ok(
      entries.some((e) => !e.error && e.response?.auth?.metadata?.cert_name === 'app'),
      'the successful login too',
    )
  })

  it('works with curl --cert/--key', async (ctx) => {
    if (await skipUnless(ctx, CURL)) return
    const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        'curl',
        [
          '-sS',
          '--cacert',
          t.serverCa,
          '--cert',
          app.certFile,
          '--key',
          app.keyFile,
          '-X',
          'POST',
          `${t.server.address}/v1/auth/cert/login`,
        ],
        { timeout: 30_000 },
        (error, stdout) =>
          resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout }),
      )
    })
    assert.equal(out.code, 0)
    const body = JSON.parse(out.stdout)
    assert.deepEqual(body.auth.policies, ['default', 'reader'])
    assert.equal(body.auth.metadata.common_name, 'app.example.com')
  })
})

describe('cert auth without TLS', () => {
  it('answers "tls connection required" on a plain-HTTP listener', async () => {
    const t = await startDevServer()
    try {
      await t.call('POST', 'sys/auth/cert', { body: { type: 'cert' } })
      const res = await t.call('POST', 'auth/cert/login', { token: '' })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body.errors, ['tls connection required'])
    } finally {
      await t.close()
    }
  })
})

describeUnless(noOpenssl, 'listener tls_require_and_verify_client_cert', () => {
  it('refuses handshakes without a certificate from tls_client_ca_file, and serves those with one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-mtls-'))
    const pki = new TestPki(join(dir, 'pki'))
    const ca = pki.root('client-ca')
    const client = pki.issue('client', ca, { cn: 'operator' })
    const stranger = pki.issue('stranger', pki.root('stranger-ca'), { cn: 'operator' })
    const t = await startTlsServer(join(dir, 'server'), {
      tlsRequireAndVerifyClientCert: true,
      tlsClientCaFile: ca.certFile,
    })
    try {
      await assert.rejects(t.call('GET', 'sys/health'), 'no client certificate: the handshake fails')
      await assert.rejects(
        t.call('GET', 'sys/health', { cert: stranger }),
        'a certificate from another CA fails',
      )
      await initialise(t, client)
      const health = await t.call('GET', 'sys/health', { cert: client })
      assert.equal(health.status, 200)
      assert.equal(health.body.sealed, false)
    } finally {
      await t.server.close()
    }
  })
})
