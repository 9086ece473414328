// Chain building against openssl-made PKIs: impostor CAs, non-CA issuers, expiry, key usage, and bounded searches.
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, it } from 'node:test'
import { type Issued, TestPki } from '../../../../test/helpers/pki.ts'
import { describeUnless, OPENSSL, unmet } from '../../../../test/helpers/requirements.ts'
import { ChainError, type ParsedCert, parseCert, parsePemBundle, verifiedChains } from './verify-chain.ts'

describeUnless(await unmet(OPENSSL), 'verifiedChains', () => {
  let pki: TestPki
  let ca: Issued
  const p = (issued: Issued): ParsedCert => parseCert(issued.pem)
  const names = (chains: ParsedCert[][]) => chains.map((chain) => chain.map((c) => c.fields.commonName))
  before(() => {
    pki = new TestPki(mkdtempSync(join(tmpdir(), 'coffer-chain-')))
    ca = pki.root('ca')
  })

  it('finds the chain from a leaf to its CA, through a presented intermediate', () => {
    const leaf = pki.issue('leaf', ca, { cn: 'leaf' })
    assert.deepEqual(names(verifiedChains([p(leaf)], [p(ca)], Date.now())), [['leaf', 'ca']])
    const inter = pki.issue('inter', ca, { cn: 'inter', ca: true })
    const deep = pki.issue('deep', inter, { cn: 'deep' })
    assert.deepEqual(names(verifiedChains([p(deep), p(inter)], [p(ca)], Date.now())), [
      ['deep', 'inter', 'ca'],
    ])
    assert.deepEqual(verifiedChains([p(deep)], [p(ca)], Date.now()), [], 'not without the intermediate')
  })

  it('does not trust a different CA that has the same name', () => {
    const impostorPki = new TestPki(mkdtempSync(join(tmpdir(), 'coffer-impostor-')))
    const impostor = impostorPki.root('ca')
    const forged = impostorPki.issue('forged', impostor, { cn: 'leaf' })
    assert.deepEqual(verifiedChains([p(forged)], [p(ca)], Date.now()), [])
    // Presenting the impostor as an "intermediate" does not help: it is not signed by the trusted CA.
    assert.deepEqual(verifiedChains([p(forged), p(impostor)], [p(ca)], Date.now()), [])
  })

  it('refuses a chain through an issuer that is not a CA', () => {
    const notCa = pki.issue('not-ca', ca, { cn: 'not-ca' })
    const child = pki.issue('child', notCa, { cn: 'child' })
    assert.deepEqual(verifiedChains([p(child), p(notCa)], [p(ca)], Date.now()), [])
  })

  it('names expired certificates and missing client-auth usage', () => {
    const inter = pki.issue('old-inter', ca, { cn: 'old-inter', ca: true, expired: true })
    const leaf = pki.issue('under-old', inter, { cn: 'under-old' })
    assert.throws(
      () => verifiedChains([p(leaf), p(inter)], [p(ca)], Date.now()),
      (error: unknown) =>
        error instanceof ChainError && /intermediate certificate is expired/.test(error.message),
    )
    const server = pki.issue('server', ca, { cn: 'server', eku: 'serverAuth' })
    assert.throws(
      () => verifiedChains([p(server)], [p(ca)], Date.now()),
      (error: unknown) => error instanceof ChainError && /incompatible key usage/.test(error.message),
    )
    const leafNow = pki.issue('later', ca, { cn: 'later' })
    const farFuture = Date.now() + 400 * 86_400_000
    assert.throws(() => verifiedChains([p(leafNow)], [p(ca)], farFuture), /has expired or is not yet valid/)
  })

  it('keeps the search bounded when a client presents many copies of an intermediate', () => {
    const inter = pki.issue('many', ca, { cn: 'many', ca: true })
    const leaf = pki.issue('many-leaf', inter, { cn: 'many-leaf' })
    const presented = [p(leaf), ...Array.from({ length: 40 }, () => p(inter))]
    const chains = verifiedChains(presented, [p(ca)], Date.now())
    assert.ok(chains.length >= 1 && chains.length <= 16)
  })

  it('reads every certificate of a PEM bundle and skips what is not one', () => {
    const other = pki.root('other')
    const bundle = `junk\n${ca.pem}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n${other.pem}`
    assert.deepEqual(
      parsePemBundle(bundle).map((c) => c.fields.commonName),
      ['ca', 'other'],
    )
  })
  it("refuses a chain that breaks a CA's path length constraint, as Go's verifier does", () => {
    const limited = pki.issue('limited', ca, { cn: 'limited', ca: true, pathLen: 0 })
    const direct = pki.issue('direct', limited, { cn: 'direct' })
    assert.deepEqual(names(verifiedChains([p(direct), p(limited)], [p(ca)], Date.now())), [
      ['direct', 'limited', 'ca'],
    ])
    // pathlen:0 allows no CA below it: a sub-CA it signed cannot vouch for a leaf.
    const sub = pki.issue('sub', limited, { cn: 'sub', ca: true })
    const underSub = pki.issue('under-sub', sub, { cn: 'under-sub' })
    assert.throws(
      () => verifiedChains([p(underSub), p(sub), p(limited)], [p(ca)], Date.now()),
      (error: unknown) => error instanceof ChainError && /path length constraint/.test(error.message),
    )
    // The same holds when the limited CA is the trusted one.
    assert.throws(
      () => verifiedChains([p(underSub), p(sub)], [p(limited)], Date.now()),
      (error: unknown) => error instanceof ChainError && /path length constraint/.test(error.message),
    )
    assert.deepEqual(names(verifiedChains([p(direct)], [p(limited)], Date.now())), [['direct', 'limited']])
  })

  it('refuses a CA with a critical extension Go does not handle, and accepts the critical ones it does', () => {
    const odd = pki.issue('odd-inter', ca, {
      cn: 'odd',
      ca: true,
      extensions: ['1.2.3.4=critical,ASN1:NULL'],
    })
    const under = pki.issue('under-odd', odd, { cn: 'under-odd' })
    assert.throws(
      () => verifiedChains([p(under), p(odd)], [p(ca)], Date.now()),
      (error: unknown) =>
        error instanceof ChainError &&
        /intermediate certificate has an unhandled critical extension/.test(error.message),
    )
    // basicConstraints and keyUsage are critical on every intermediate this PKI makes; a critical SAN with names
    // and critical name constraints Go can read are handled too.
    const fine = pki.issue('fine-inter', ca, {
      cn: 'fine',
      ca: true,
      extensions: [
        'subjectAltName=critical,DNS:fine.example.com',
        'nameConstraints=critical,permitted;DNS:example.com',
      ],
    })
    const ok = pki.issue('under-fine', fine, { cn: 'x', dns: ['x.example.com'] })
    assert.deepEqual(names(verifiedChains([p(ok), p(fine)], [p(ca)], Date.now())), [['x', 'fine', 'ca']])
    // Registered-ID constraints are not checked by Go: critical, the CA is refused rather than trusted blindly.
    const rid = pki.issue('rid-inter', ca, {
      cn: 'rid',
      ca: true,
      extensions: ['nameConstraints=critical,permitted;RID:1.2.3.4'],
    })
    assert.equal(p(rid).fields.unhandledCritical, true)
  })
})
