// OpenBao's cert auth method tests (internal/builtin/credential/cert) not replayed in openbao-auth.test.ts, over Coffer's HTTPS API.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import type { ClientCert } from '../helpers/https-client.ts'
import { type Issued, TestPki } from '../helpers/pki.ts'
import { describeUnless, OPENSSL, unmet } from '../helpers/requirements.ts'
import type { Reply } from '../helpers/server.ts'
import { initialise, startTlsServer, type TlsServer } from '../helpers/tls-server.ts'

describeUnless(await unmet(OPENSSL), 'cert auth (OpenBao internal/builtin/credential/cert)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-bao-cert-auth-'))
  const pki = new TestPki(join(dir, 'pki'))
  let t: TlsServer
  let ca: Issued
  let cert: Issued
  let mounts = 0

  before(async () => {
    ca = pki.root('ca.example.com')
    cert = pki.issue('cert', ca, { cn: 'cert.example.com', dns: ['cert.example.com'] })
    t = await startTlsServer(join(dir, 'server'))
    await initialise(t)
  })
  after(() => t?.server.close())

  /** A fresh cert mount per test (Vault's tests each build a backend of their own); returns its path. */
  const mount = async (config: Record<string, unknown> = {}) => {
    mounts += 1
    const path = `cert${mounts}`
    const res = await t.call('POST', `sys/auth/${path}`, { body: { type: 'cert', config } })
    assert.equal(res.status, 204, JSON.stringify(res.body))
    return path
  }
  const role = async (mnt: string, name: string, body: Record<string, unknown>) => {
    const res = await t.call('POST', `auth/${mnt}/certs/${name}`, { body })
    assert.ok(res.status === 204 || res.status === 200, `${name}: ${res.status} ${JSON.stringify(res.body)}`)
  }
  const login = (mnt: string, who: ClientCert, name?: string) =>
    t.call('POST', `auth/${mnt}/login`, { token: '', body: name === undefined ? {} : { name }, cert: who })
  const loggedIn = async (mnt: string, who: ClientCert, name?: string) => {
    const res = await login(mnt, who, name)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.auth
  }
  const refused = async (mnt: string, who: ClientCert, name?: string, message?: RegExp) => {
    const res = await login(mnt, who, name)
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.auth, undefined)
    if (message) assert.match(res.body.errors[0], message)
    return res
  }
  /** The leaf followed by the intermediates, as one file a TLS client presents whole. */
  const chain = (name: string, leaf: Issued, ...rest: Issued[]): ClientCert => ({
    certFile: pki.chainFile(name, [leaf, ...rest]),
    keyFile: leaf.keyFile,
  })
  /** A self-signed certificate with another certificate's key: the same key under a name of the test's choice. */
  const selfSigned = (name: string, key: string, cn: string): ClientCert => {
    const certFile = join(dir, `${name}.pem`)
    execFileSync(
      'openssl',
      ['req', '-x509', '-key', key, '-subj', `/CN=${cn}`, '-days', '2', '-out', certFile],
      {
        stdio: 'ignore',
      },
    )
    return { certFile, keyFile: key }
  }
  /** openssl ca's revocation and a CRL naming what it revoked, signed by `signer`, from a PKI of the test's own. */
  const revoke = (own: string, signer: Issued, revoked: Issued[]) => {
    const cnf = join(own, 'ca.cnf')
    const signing = ['-cert', signer.certFile, '-keyfile', signer.keyFile]
    for (const cert of revoked)
      execFileSync('openssl', ['ca', '-batch', '-config', cnf, ...signing, '-revoke', cert.certFile], {
        stdio: 'ignore',
      })
    const out = join(own, 'crl.pem')
    execFileSync(
      'openssl',
      ['ca', '-batch', '-config', cnf, ...signing, '-gencrl', '-crldays', '1', '-out', out],
      {
        stdio: 'ignore',
      },
    )
    return readFileSync(out, 'utf8')
  }
  const serialOf = (issued: Issued) => BigInt(`0x${new X509Certificate(issued.pem).serialNumber}`).toString()
  const renewSelf = (token: string, who?: ClientCert) =>
    t.call('PUT', 'auth/token/renew-self', { token, body: {}, ...(who ? { cert: who } : {}) })

  it('TestBackend_PermittedDNSDomainsIntermediateCA: a leaf of a trusted intermediate logs in and renews by accessor over its certificate', async () => {
    const mnt = await mount()
    const inter = pki.issue('permitted-inter', ca, {
      cn: 'intermediate',
      ca: true,
      extensions: ['nameConstraints=critical,permitted;DNS:.example.com'],
    })
    const leaf = pki.issue('permitted-leaf', inter, { cn: 'cert.example.com', dns: ['cert.example.com'] })
    await role(mnt, 'openbao-cert', {
      display_name: 'example.com',
      policies: 'default',
      certificate: inter.pem,
    })
    const auth = await loggedIn(mnt, leaf, 'openbao-cert')
    assert.ok(auth.client_token)
    const renewed = await t.call('PUT', 'auth/token/renew-accessor', {
      body: { accessor: auth.accessor, increment: 3600 },
      cert: leaf,
    })
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body))
    assert.equal(renewed.body.auth.client_token, '')
    assert.equal(renewed.body.auth.accessor, auth.accessor)
    assert.equal(renewed.body.auth.lease_duration, 3600)
  })

  it('TestBackend_PermittedDNSDomainsIntermediateCA: a chain through a presented intermediate verifies to the root; the leaf alone does not', async () => {
    const mnt = await mount()
    const inter = pki.issue('chain-inter', ca, { cn: 'chain-intermediate', ca: true })
    const leaf = pki.issue('chain-leaf', inter, { cn: 'deep.example.com', dns: ['deep.example.com'] })
    await role(mnt, 'root', { certificate: ca.pem, policies: 'foo' })
    assert.equal((await loggedIn(mnt, chain('chain', leaf, inter))).metadata.cert_name, 'root')
    await refused(mnt, leaf, undefined, /^invalid certificate or no client certificate supplied$/)
  })

  it('TestBackend_PermittedDNSDomainsIntermediateCA: a name outside a CA’s permitted domains, or inside its excluded ones, is refused as Go’s verifier refuses it', async () => {
    const mnt = await mount()
    const inter = pki.issue('nc-inter', ca, {
      cn: 'nc-intermediate',
      ca: true,
      extensions: ['nameConstraints=critical,permitted;DNS:.example.com,excluded;DNS:bad.example.com'],
    })
    const inside = pki.issue('nc-inside', inter, { cn: 'good.example.com', dns: ['good.example.com'] })
    const outside = pki.issue('nc-outside', inter, { cn: 'cert.example.org', dns: ['cert.example.org'] })
    const excluded = pki.issue('nc-excluded', inter, { cn: 'x.bad.example.com', dns: ['x.bad.example.com'] })
    // Trusted as the intermediate itself, or as the root with the intermediate presented: the same refusal.
    await role(mnt, 'inter', { certificate: inter.pem, policies: 'foo' })
    await loggedIn(mnt, inside, 'inter')
    await refused(
      mnt,
      outside,
      'inter',
      /^failed to verify client's certificate: a root or intermediate certificate is not authorized to sign for this name: DNS name "cert\.example\.org" is not permitted by any constraint$/,
    )
    await refused(
      mnt,
      excluded,
      'inter',
      /^failed to verify client's certificate: a root or intermediate certificate is not authorized to sign for this name: DNS name "x\.bad\.example\.com" is excluded by constraint "bad\.example\.com"$/,
    )
    await role(mnt, 'root', { certificate: ca.pem, policies: 'foo' })
    await loggedIn(mnt, chain('nc-in', inside, inter), 'root')
    await refused(mnt, chain('nc-out', outside, inter), 'root', /is not permitted by any constraint/)
    // Email and URI names are held to the constraints of their kind.
    const mailCa = pki.issue('nc-mail', ca, {
      cn: 'mail-intermediate',
      ca: true,
      extensions: ['nameConstraints=critical,permitted;email:example.com,permitted;URI:.example.com'],
    })
    await role(mnt, 'mail', { certificate: mailCa.pem, policies: 'foo' })
    const goodMail = pki.issue('nc-goodmail', mailCa, {
      cn: 'mailer',
      emails: ['me@example.com'],
      uris: ['spiffe://host.example.com/x'],
    })
    const badMail = pki.issue('nc-badmail', mailCa, { cn: 'mailer', emails: ['me@example.net'] })
    const badUri = pki.issue('nc-baduri', mailCa, { cn: 'mailer', uris: ['spiffe://example.net/x'] })
    await loggedIn(mnt, goodMail, 'mail')
    await refused(mnt, badMail, 'mail', /email address "me@example\.net" is not permitted by any constraint/)
    await refused(mnt, badUri, 'mail', /URI "spiffe:\/\/example\.net\/x" is not permitted by any constraint/)
  })

  it('TestBackend_ext_singleCert: a certificate with a critical extension the verifier does not know is refused, as Go’s verifier refuses it', async () => {
    const mnt = await mount()
    const critical = pki.issue('critical-ext', ca, {
      cn: 'example.com',
      extensions: ['2.1.1.1=critical,ASN1:UTF8String:A UTF8String Extension'],
    })
    const plain = pki.issue('plain-ext', ca, {
      cn: 'example.com',
      extensions: ['2.1.1.1=ASN1:UTF8String:A UTF8String Extension'],
    })
    await role(mnt, 'web', { certificate: ca.pem, policies: 'foo', required_extensions: '2.1.1.1:*' })
    await loggedIn(mnt, plain)
    await refused(
      mnt,
      critical,
      undefined,
      /^failed to verify client's certificate: unhandled critical extension$/,
    )
  })

  it('TestBackend_MetadataBasedACLPolicy: a templated policy reads the common name and an extension from the alias metadata', async () => {
    const mnt = await mount()
    const extCert = pki.issue('metadata-ext', ca, {
      cn: 'example.com',
      emails: ['valid@example.com'],
      extensions: ['2.1.1.1=ASN1:UTF8String:A UTF8String Extension'],
    })
    assert.equal(
      (await t.call('POST', `auth/${mnt}/config`, { body: { enable_identity_alias_metadata: true } })).status,
      204,
    )
    const config = await t.call('GET', `auth/${mnt}/config`)
    assert.equal(config.body.data.enable_identity_alias_metadata, true)
    const accessor = (await t.call('GET', 'sys/auth')).body.data[`${mnt}/`].accessor
    assert.ok(accessor)
    const policy = `
path "kv/cn/{{identity.entity.aliases.${accessor}.metadata.common_name}}" {
  capabilities = ["read"]
}
path "kv/ext/{{identity.entity.aliases.${accessor}.metadata.2-1-1-1}}" {
  capabilities = ["read"]
}`
    assert.equal((await t.call('PUT', 'sys/policies/acl/metadata-based', { body: { policy } })).status, 204)
    await role(mnt, 'test', {
      display_name: 'test',
      policies: 'metadata-based',
      certificate: ca.pem,
      allowed_metadata_extensions: '2.1.1.1,1.2.3.45',
    })
    if ((await t.call('GET', 'sys/mounts/kv')).status !== 200)
      assert.equal((await t.call('POST', 'sys/mounts/kv', { body: { type: 'kv' } })).status, 204)
    for (const path of [
      'kv/cn/example.com',
      'kv/cn/not.example.com',
      'kv/ext/A UTF8String Extension',
      'kv/ext/bar',
    ])
      assert.equal((await t.call('PUT', encodeURI(path), { body: { v: '1' } })).status, 204)
    const auth = await loggedIn(mnt, extCert, 'test')
    assert.equal(auth.metadata['2-1-1-1'], 'A UTF8String Extension')
    const read = (path: string) => t.call('GET', encodeURI(path), { token: auth.client_token })
    assert.equal((await read('kv/cn/example.com')).status, 200)
    assert.equal((await read('kv/cn/not.example.com')).status, 403)
    assert.equal((await read('kv/ext/A UTF8String Extension')).status, 200)
    assert.equal((await read('kv/ext/bar')).status, 403)
    // The alias carries the login metadata because the mount's config asks for it.
    const entity = await t.call('GET', `identity/entity/id/${auth.entity_id}`)
    const alias = entity.body.data.aliases.find(
      (a: { mount_accessor: string }) => a.mount_accessor === accessor,
    )
    assert.equal(alias.name, 'example.com')
    assert.equal(alias.metadata.common_name, 'example.com')
    assert.equal(alias.metadata.cert_name, 'test')
  })

  it('TestBackend_CertWrites: a CA and a client-auth leaf are stored; a leaf without client-auth usage is refused', async () => {
    const mnt = await mount()
    const noClientAuth = pki.issue('noclientauth', ca, { cn: 'noclientauth', eku: 'serverAuth' })
    await role(mnt, 'aaa', { certificate: ca.pem, policies: 'foo', lease: 1000 })
    await role(mnt, 'bbb', { certificate: cert.pem, policies: 'foo', lease: 1000 })
    const bad = await t.call('POST', `auth/${mnt}/certs/ccc`, {
      body: { certificate: noClientAuth.pem, policies: 'foo', lease: 1000 },
    })
    assert.equal(bad.status, 400)
    assert.deepEqual(bad.body.errors, [
      'nonCA certificates should have TLS client authentication set as an extended key usage',
    ])
    for (const path of ['certs', 'certs/'])
      assert.deepEqual((await t.call('LIST', `auth/${mnt}/${path}`)).body.data.keys, ['aaa', 'bbb'])
  })

  it('TestBackend_basic_CA: lease, ttl and max_ttl give the login TTL, the mount default applies without them, and allowed_names globs admit or refuse', async () => {
    const mnt = await mount({ default_lease_ttl: '1000s', max_lease_ttl: '1800s' })
    const base = { certificate: ca.pem, policies: 'foo', display_name: 'web' }
    const check = async () => {
      const auth = await loggedIn(mnt, cert)
      assert.equal(auth.lease_duration, 1000)
      assert.deepEqual(auth.token_policies, ['default', 'foo'])
    }
    for (const extra of [{}, { lease: 1000 }, { ttl: '1000s' }, { ttl: '1000s', max_ttl: '1200s' }]) {
      await t.call('DELETE', `auth/${mnt}/certs/web`)
      await role(mnt, 'web', { ...base, ...extra })
      await check()
    }
    const read = await t.call('GET', `auth/${mnt}/certs/web`)
    assert.equal(read.body.data.token_ttl, 1000)
    assert.equal(read.body.data.token_max_ttl, 1200)
    await role(mnt, 'web', { ...base, allowed_names: '*.example.com' })
    await check()
    await role(mnt, 'web', { ...base, allowed_names: '*.invalid.com' })
    await refused(
      mnt,
      cert,
      undefined,
      /^no chain matching all constraints could be found for this login certificate$/,
    )
    const shorter = await t.call('POST', `auth/${mnt}/certs/web`, {
      body: { ...base, ttl: '1300s', max_ttl: '1200s' },
    })
    assert.equal(shorter.status, 400)
    assert.deepEqual(shorter.body.errors, ['ttl should be shorter than max_ttl'])
    // Both under their token_ names: tokenutil's check, which comes first in Vault, refuses it.
    const tokenNames = await t.call('POST', `auth/${mnt}/certs/web`, {
      body: { ...base, token_ttl: '1300s', token_max_ttl: '1200s' },
    })
    assert.equal(tokenNames.status, 400)
    assert.deepEqual(tokenNames.body.errors, ['token_ttl cannot be greater than token_max_ttl'])
  })

  it('TestBackend_basic_CA (pathCertWrite): TTLs and a period above the mount’s are stored with Vault’s warnings', async () => {
    const mnt = await mount({ default_lease_ttl: '1000s', max_lease_ttl: '1800s' })
    const res = await t.call('POST', `auth/${mnt}/certs/web`, {
      body: { certificate: ca.pem, policies: 'foo', ttl: '1200s', max_ttl: '2000s', period: '1900s' },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.warnings, [
      'Given ttl of 1200 seconds is greater than current mount/system default of 1000 seconds',
      'Given max_ttl of 2000 seconds is greater than current mount/system default of 1800 seconds',
      "Given period of 1900 seconds is greater than the backend's maximum TTL of 1800 seconds",
    ])
  })

  it('TestBackend_basic_CA: certificates not yet valid or expired are refused before any role is tried', async () => {
    const mnt = await mount()
    await role(mnt, 'web', { certificate: ca.pem, policies: 'foo' })
    const future = pki.issue('future', ca, { cn: 'future.example.com', notYetValid: true })
    const past = pki.issue('past', ca, { cn: 'past.example.com', expired: true })
    for (const who of [future, past])
      await refused(
        mnt,
        who,
        undefined,
        /^failed to verify client's certificate: certificate has expired or is not yet valid/,
      )
    // An expired intermediate breaks the chain the same way.
    const oldInter = pki.issue('old-inter', ca, { cn: 'old-intermediate', ca: true, expired: true })
    const underOld = pki.issue('under-old', oldInter, { cn: 'under.example.com' })
    await refused(mnt, chain('under-old', underOld, oldInter), undefined, /expired or not yet valid/)
  })

  it('TestBackend_Basic_CRLs: a CRL lists the revoked serial and refuses the login; deleting it lets the login back in', async () => {
    const mnt = await mount({ default_lease_ttl: '1000s', max_lease_ttl: '1800s' })
    const own = join(dir, 'basic-crls')
    const crlPki = new TestPki(own)
    const crlCa = crlPki.root('crl-ca')
    const crlCert = crlPki.issue('crl-cert', crlCa, { cn: 'cert.example.com' })
    await role(mnt, 'web', { certificate: crlCa.pem, policies: 'foo', display_name: 'web' })
    assert.equal((await loggedIn(mnt, crlCert)).lease_duration, 1000)
    const write = await t.call('POST', `auth/${mnt}/crls/test`, {
      body: { crl: revoke(own, crlCa, [crlCert]) },
    })
    assert.equal(write.status, 204, JSON.stringify(write.body))
    const read = await t.call('GET', `auth/${mnt}/crls/test`)
    assert.deepEqual(Object.keys(read.body.data.serials), [serialOf(crlCert)])
    await refused(mnt, crlCert)
    assert.equal((await t.call('DELETE', `auth/${mnt}/crls/test`)).status, 204)
    assert.equal((await loggedIn(mnt, crlCert)).lease_duration, 1000)
  })

  it('TestBackend_Basic_CRLs (pathCRLRead/Write/Delete): a missing CRL is named in the refusal, and an empty one lists no serials', async () => {
    const mnt = await mount()
    for (const method of ['GET', 'DELETE']) {
      const res = await t.call(method, `auth/${mnt}/crls/absent`)
      assert.equal(res.status, 400, `${method}: ${JSON.stringify(res.body)}`)
      assert.deepEqual(res.body.errors, ['no such CRL absent'])
    }
    const none = await t.call('POST', `auth/${mnt}/crls/absent`, { body: {} })
    assert.equal(none.status, 400)
    assert.deepEqual(none.body.errors, ["one of 'crl' or 'url' must be provided"])
    const own = join(dir, 'empty-crls')
    const emptyPki = new TestPki(own)
    const emptyCa = emptyPki.root('empty-ca')
    const crl = revoke(own, emptyCa, [])
    assert.equal((await t.call('POST', `auth/${mnt}/crls/Empty`, { body: { crl } })).status, 204)
    const read = await t.call('GET', `auth/${mnt}/crls/empty`)
    assert.equal(read.status, 200, JSON.stringify(read.body))
    assert.equal(read.body.data.serials, undefined)
    assert.equal((await t.call('DELETE', `auth/${mnt}/crls/EMPTY`)).status, 204)
  })

  it('TestBackend_basic_singleCert: a trusted self-signed CA presented as the client certificate logs in within its constraints', async () => {
    const mnt = await mount()
    const base = { certificate: ca.pem, policies: 'foo' }
    await role(mnt, 'web', base)
    await loggedIn(mnt, ca)
    await role(mnt, 'web', { ...base, allowed_names: 'ca.example.com' })
    await loggedIn(mnt, ca)
    await role(mnt, 'web', { ...base, allowed_names: 'invalid' })
    await refused(mnt, ca)
    await role(mnt, 'web', { ...base, allowed_names: '', required_extensions: '1.2.3.4:invalid' })
    await refused(mnt, ca)
  })

  it('TestBackend_untrusted: with no role trusting the certificate the login is refused', async () => {
    const mnt = await mount()
    await refused(mnt, cert, undefined, /^invalid certificate or no client certificate supplied$/)
  })

  it('TestBackend_mixed_constraints: the token’s display name is the mount’s name and the matched role’s display_name', async () => {
    const mnt = await mount()
    await role(mnt, '1unconstrained', {
      certificate: ca.pem,
      policies: 'foo',
      display_name: '1unconstrained',
    })
    await role(mnt, '2matching', {
      certificate: ca.pem,
      policies: 'foo',
      display_name: '2matching',
      allowed_names: '*.example.com,whatever',
    })
    for (const [name, display] of [
      [undefined, '1unconstrained'],
      ['2matching', '2matching'],
    ] as const) {
      const auth = await loggedIn(mnt, cert, name)
      const lookup = await t.call('GET', 'auth/token/lookup-self', { token: auth.client_token })
      assert.equal(lookup.body.data.display_name, `${mnt}-${display}`)
    }
  })

  it('TestBackend_RegressionDifferentTrustedLeaf: only the trusted self-signed certificate logs in, not another or one re-signed under its name', async () => {
    const mnt = await mount()
    const leafA = pki.root('a.openbao.org')
    const leafB = pki.root('b.openbao.org')
    await role(mnt, 'trusted-leaf', {
      display_name: 'trusted-cert',
      policies: 'default',
      certificate: leafA.pem,
    })
    await refused(mnt, leafB, 'trusted-leaf')
    assert.equal((await loggedIn(mnt, leafA, 'trusted-leaf')).metadata.common_name, 'a.openbao.org')
    // HCSEC-2025-18: A's key under another name, and B's key under A's name.
    await refused(mnt, selfSigned('tampered-a', leafA.keyFile, 'a-fake.openbao.org'), 'trusted-leaf')
    await refused(mnt, selfSigned('tampered-b', leafB.keyFile, 'a.openbao.org'), 'trusted-leaf')
    // Headers claiming another client certificate are not believed: the connection's certificate is used.
    const tamperedB = new X509Certificate(readFileSync(join(dir, 'tampered-b.pem'))).raw.toString('base64')
    const forged = await new Promise<Reply>((resolve, reject) => {
      const req = https.request(
        `${t.server.address}/v1/auth/${mnt}/login`,
        {
          method: 'POST',
          ca: readFileSync(t.serverCa),
          cert: readFileSync(leafA.certFile),
          key: readFileSync(leafA.keyFile),
          agent: false,
          headers: {
            'content-type': 'application/json',
            'x-processed-tls-client-certificate-resp': encodeURIComponent(tamperedB),
            'x-coffer-forwarded-certs': Buffer.from(JSON.stringify([leafB.pem])).toString('base64url'),
          },
        },
        (res) => {
          let text = ''
          res.on('data', (chunk) => (text += chunk))
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers: new Headers() }),
          )
        },
      )
      req.on('error', reject)
      req.end(JSON.stringify({ name: 'trusted-leaf' }))
    })
    assert.equal(forged.status, 200, JSON.stringify(forged.body))
    assert.equal(forged.body.auth.metadata.common_name, 'a.openbao.org')
  })

  it('TestCert_RoleResolve / RoleResolveWithoutProvidingCertName: the login names the role it matched in cert_name', async () => {
    const mnt = await mount()
    const leaf = pki.issue('resolve', ca, { cn: 'example.com', dns: ['example.com'] })
    await role(mnt, 'web', { certificate: ca.pem, policies: 'foo', allowed_dns_sans: 'example.com' })
    assert.equal((await loggedIn(mnt, leaf, 'web')).metadata.cert_name, 'web')
    assert.equal((await loggedIn(mnt, leaf)).metadata.cert_name, 'web')
  })

  it('TestCert_RoleResolve_RoleDoesNotExist: naming a role that does not exist is an invalid certificate', async () => {
    const mnt = await mount()
    await role(mnt, 'web', { certificate: ca.pem, policies: 'foo', allowed_dns_sans: 'cert.example.com' })
    await loggedIn(mnt, cert, 'web')
    await refused(mnt, cert, 'notweb', /invalid certificate/)
  })

  it('Test_Renew: a cert token renews while its role keeps its policies, and not once the role is deleted', async () => {
    const mnt = await mount({ default_lease_ttl: '300s', max_lease_ttl: '1800s' })
    const body = { certificate: ca.pem, policies: 'foo,bar' }
    await role(mnt, 'test', body)
    const { client_token: token } = await loggedIn(mnt, cert)
    assert.equal((await renewSelf(token, cert)).status, 200)
    await role(mnt, 'test', { ...body, policies: 'zip,zap' })
    assert.equal((await renewSelf(token, cert)).status, 400)
    await role(mnt, 'test', { ...body, policies: 'bar,foo' })
    assert.equal((await renewSelf(token, cert)).status, 200)
    assert.equal((await t.call('DELETE', `auth/${mnt}/certs/test`)).status, 204)
    const gone = await renewSelf(token, cert)
    assert.equal(gone.status, 400)
    assert.equal(gone.body.auth, undefined)
  })

  it('Test_Renew (pathLoginRenew): a renewal presents the login certificate, still trusted by its role, unless disable_binding is set', async () => {
    const mnt = await mount()
    const own = join(dir, 'renew-crls')
    const renewPki = new TestPki(own)
    const renewCa = renewPki.root('renew-ca')
    const leaf = renewPki.issue('renew-leaf', renewCa, { cn: 'renew.example.com' })
    const sibling = renewPki.issue('renew-sibling', renewCa, { cn: 'sibling.example.com' })
    const body = { certificate: renewCa.pem, policies: 'foo' }
    await role(mnt, 'test', body)
    const { client_token: token } = await loggedIn(mnt, leaf)
    assert.equal((await renewSelf(token, leaf)).status, 200)
    // No certificate on the renewing connection, or another certificate the role would also trust.
    const bare = await renewSelf(token)
    assert.equal(bare.status, 400, JSON.stringify(bare.body))
    assert.deepEqual(bare.body.errors, ['client certificate must be supplied'])
    const other = await renewSelf(token, sibling)
    assert.equal(other.status, 400, JSON.stringify(other.body))
    assert.deepEqual(other.body.errors, [
      'client identity during renewal not matching client identity used during login',
    ])
    // The role now refuses the certificate's name: so is the renewal.
    await role(mnt, 'test', { ...body, allowed_common_names: 'sibling.example.com' })
    const narrowed = await renewSelf(token, leaf)
    assert.equal(narrowed.status, 400)
    assert.deepEqual(narrowed.body.errors, [
      'no chain matching all constraints could be found for this login certificate',
    ])
    await role(mnt, 'test', { ...body, allowed_common_names: '' })
    assert.equal((await renewSelf(token, leaf)).status, 200)
    // A CRL listing the certificate ends its renewals.
    const crl = revoke(own, renewCa, [leaf])
    assert.equal((await t.call('POST', `auth/${mnt}/crls/revoked`, { body: { crl } })).status, 204)
    assert.equal((await renewSelf(token, leaf)).status, 400)
    assert.equal((await t.call('DELETE', `auth/${mnt}/crls/revoked`)).status, 204)
    // disable_binding: the role and its policies are checked, not the renewing connection.
    assert.equal(
      (await t.call('POST', `auth/${mnt}/config`, { body: { disable_binding: true } })).status,
      204,
    )
    assert.equal((await renewSelf(token)).status, 200)
    await role(mnt, 'test', { ...body, policies: 'other' })
    assert.equal((await renewSelf(token)).status, 400)
  })
})
