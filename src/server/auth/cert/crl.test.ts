// CRL parsing: serials from an openssl-made CRL, and clear refusals for input that is not a CRL.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, it } from 'node:test'
import { TestPki } from '../../../../test/helpers/pki.ts'
import { OPENSSL, skipUnless } from '../../../../test/helpers/requirements.ts'
import { parseCrlSerials } from './crl.ts'
import { DerError } from './der.ts'

const dir = mkdtempSync(join(tmpdir(), 'coffer-crl-'))
after(() => rmSync(dir, { recursive: true, force: true }))

it('reads the revoked serials of a CRL, PEM or DER, and an empty CRL as none', async (t) => {
  if (await skipUnless(t, OPENSSL)) return
  const pki = new TestPki(join(dir, 'pki'))
  const ca = pki.root('ca')
  const a = pki.issue('a', ca, { cn: 'a' })
  const cnf = join(dir, 'pki', 'ca.cnf')
  const signer = ['-cert', ca.certFile, '-keyfile', ca.keyFile]
  const gencrl = (out: string) =>
    execFileSync(
      'openssl',
      ['ca', '-batch', '-config', cnf, ...signer, '-gencrl', '-crldays', '1', '-out', out],
      {
        stdio: 'ignore',
      },
    )
  gencrl(join(dir, 'empty.pem'))
  assert.deepEqual(parseCrlSerials(readFileSync(join(dir, 'empty.pem'), 'utf8')), [])
  execFileSync('openssl', ['ca', '-batch', '-config', cnf, ...signer, '-revoke', a.certFile], {
    stdio: 'ignore',
  })
  gencrl(join(dir, 'one.pem'))
  const serial = BigInt(
    `0x${execFileSync('openssl', ['x509', '-in', a.certFile, '-noout', '-serial']).toString().trim().split('=')[1]}`,
  ).toString()
  const pem = readFileSync(join(dir, 'one.pem'), 'utf8')
  assert.deepEqual(parseCrlSerials(pem), [serial])
  assert.deepEqual(
    parseCrlSerials(execFileSync('openssl', ['crl', '-in', join(dir, 'one.pem'), '-outform', 'DER'])),
    [serial],
  )
})

it('refuses input that is not a CRL with a DerError, never anything else', () => {
  const certLike = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])
  for (const input of [
    '',
    'not a crl',
    '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----',
    certLike,
    Buffer.from([0x30, 0x82, 0xff]),
  ]) {
    assert.throws(() => parseCrlSerials(input), DerError, JSON.stringify(String(input)))
  }
})
