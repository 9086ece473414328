// The kubernetes mount's config: kubernetes_host formats, CA and pem_keys validation, what a read shows.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { exportSPKI, generateKeyPair } from 'jose'
import { makeBackend } from '../../../../test/helpers/backend.ts'
import { describeUnless, OPENSSL, unmet } from '../../../../test/helpers/requirements.ts'
import { makeSelfSignedCert } from '../../../../test/helpers/tls.ts'
import { type BackendHarness, failure } from '../../../sdk/framework/backend-harness.ts'
import { kubernetesBackend } from './backend.ts'
import { kubernetesBaseUrl, reviewerCredentials } from './kube-config.ts'

const opened: BackendHarness[] = []
after(async () => {
  for (const h of opened) await h.close()
})

async function make(): Promise<BackendHarness> {
  const h = await makeBackend(kubernetesBackend, { mount: { type: 'kubernetes' } })
  opened.push(h)
  return h
}

describe('kubernetes_host formats', () => {
  // Vault documents kubernetes_host as "a host string, a host:port pair, or a URL"; client-go adds the scheme.
  const cases: [string, string][] = [
    ['kubernetes.default.svc', 'https://kubernetes.default.svc'],
    ['10.0.0.1:6443', 'https://10.0.0.1:6443'],
    ['[::1]:6443', 'https://[::1]:6443'],
    ['https://k8s.example.com', 'https://k8s.example.com'],
    ['https://k8s.example.com:8443/', 'https://k8s.example.com:8443'],
    ['https://k8s.example.com/prefix/', 'https://k8s.example.com/prefix'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['HTTPS://K8S.example.com', 'https://k8s.example.com'],
  ]
  for (const [host, url] of cases)
    it(`${host} → ${url}`, () => {
      assert.equal(kubernetesBaseUrl(host), url)
    })

  it('refuses other schemes, credentials, queries, fragments and nonsense, quoting the value', () => {
    for (const host of [
      'ftp://k8s.example.com',
      'https://user:pw@k8s.example.com',
      'https://k8s.example.com?x=1',
      'https://k8s.example.com#frag',
      'https://',
      'not a host',
      'file:///etc/passwd',
    ])
      assert.throws(
        () => kubernetesBaseUrl(host),
        (error: Error & { status?: number }) =>
          error.status === 400 && error.message.startsWith(`invalid kubernetes_host ${JSON.stringify(host)}`),
        host,
      )
  })
})

describe('kubernetes config path', () => {
  it('requires a host, and strips trailing slashes before storing it', async () => {
    const h = await make()
    assert.deepEqual(await failure(() => h.call('update', 'config', {})), {
      status: 400,
      message: 'no host provided',
    })
    assert.deepEqual(await failure(() => h.call('update', 'config', { kubernetes_host: '///' })), {
      status: 400,
      message: 'no host provided',
    })
    await h.call('update', 'config', { kubernetes_host: 'https://k8s.example.com//' })
    assert.equal((await h.call('read', 'config'))?.data?.['kubernetes_host'], 'https://k8s.example.com')
  })

  it('refuses an unusable host with a 400 and stores nothing', async () => {
    const h = await make()
    const refused = await failure(() => h.call('update', 'config', { kubernetes_host: 'ftp://x' }))
    assert.equal(refused.status, 400)
    assert.match(refused.message, /invalid kubernetes_host "ftp:\/\/x"/)
    assert.equal(await h.call('read', 'config'), undefined)
  })

  it('reads back Vault’s defaults and never the reviewer JWT', async () => {
    const h = await make()
    await h.call('update', 'config', {
      kubernetes_host: '10.0.0.1:6443',
      token_reviewer_jwt: 'reviewer.jwt.secret',
    })
    assert.deepEqual((await h.call('read', 'config'))?.data, {
      kubernetes_host: '10.0.0.1:6443',
      kubernetes_ca_cert: '',
      pem_keys: [],
      issuer: '',
      disable_iss_validation: true,
      disable_local_ca_jwt: false,
      use_annotations_as_alias_metadata: false,
    })
  })

  it('stores a CA that holds no certificate with a warning (Vault 1.15 on), and refuses pem_keys that are not keys', async () => {
    const h = await make()
    // Vault's kubernetes auth only logs that TLS verification will fail: the TokenReview call then trusts nothing.
    const garbled = '-----BEGIN CERTIFICATE-----\\n.....\\n-----END CERTIFICATE-----'
    const written = await h.call('update', 'config', { kubernetes_host: 'k8s', kubernetes_ca_cert: garbled })
    assert.deepEqual(written?.warnings, [
      'Configured CA PEM data contains no valid certificates, TLS verification will fail',
    ])
    assert.equal((await h.call('read', 'config'))?.data?.['kubernetes_ca_cert'], garbled)
    assert.deepEqual(
      await failure(() => h.call('update', 'config', { kubernetes_host: 'k8s', pem_keys: ['garbage'] })),
      { status: 400, message: 'data does not contain any valid RSA or ECDSA public keys' },
    )
  })

  it('refuses disable_local_ca_jwt without kubernetes_ca_cert, as Vault does', async () => {
    const h = await make()
    assert.deepEqual(
      await failure(() =>
        h.call('update', 'config', {
          kubernetes_host: 'k8s',
          token_reviewer_jwt: 'jwt',
          disable_local_ca_jwt: true,
        }),
      ),
      { status: 400, message: 'kubernetes_ca_cert must be given when disable_local_ca_jwt is true' },
    )
    assert.equal(await h.call('read', 'config'), undefined)
  })

  it('accepts pem_keys as public keys (a list, or one string)', async () => {
    const h = await make()
    const { publicKey } = await generateKeyPair('ES256')
    const pem = await exportSPKI(publicKey)
    await h.call('update', 'config', { kubernetes_host: 'k8s', pem_keys: [pem] })
    assert.deepEqual((await h.call('read', 'config'))?.data?.['pem_keys'], [pem.trim()])
  })

  it('refuses use_annotations_as_alias_metadata, which Coffer does not support', async () => {
    const h = await make()
    assert.deepEqual(
      await failure(() =>
        h.call('update', 'config', { kubernetes_host: 'k8s', use_annotations_as_alias_metadata: true }),
      ),
      { status: 400, message: 'use_annotations_as_alias_metadata is not supported' },
    )
  })

  it('uses the configured reviewer JWT and CA, and no pod files when disable_local_ca_jwt is set', () => {
    const base = {
      kubernetesHost: 'k8s',
      pemKeys: [],
      issuer: '',
      disableIssValidation: true,
    }
    assert.deepEqual(
      reviewerCredentials({
        ...base,
        tokenReviewerJwt: 'jwt',
        kubernetesCaCert: 'ca',
        disableLocalCaJwt: false,
      }),
      { jwt: 'jwt', ca: 'ca' },
    )
    assert.deepEqual(
      reviewerCredentials({ ...base, tokenReviewerJwt: '', kubernetesCaCert: '', disableLocalCaJwt: true }),
      { jwt: '', ca: '' },
    )
  })
})

describeUnless(await unmet(OPENSSL), 'kubernetes config with a real certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-k8s-config-'))
  let cert = ''
  before(() => {
    const made = makeSelfSignedCert(dir)
    if (!made) throw new Error('openssl could not make a certificate')
    cert = readFileSync(made.cert, 'utf8')
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('stores a CA certificate and reads it back; accepts a certificate among pem_keys', async () => {
    const h = await make()
    await h.call('update', 'config', { kubernetes_host: 'k8s', kubernetes_ca_cert: cert, pem_keys: [cert] })
    const data = (await h.call('read', 'config'))?.data
    assert.equal(data?.['kubernetes_ca_cert'], cert)
    assert.deepEqual(data?.['pem_keys'], [cert.trim()])
  })
})
