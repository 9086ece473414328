// The CLI's TLS settings against an HTTPS server that demands a client certificate: flags and VAULT_* variables.
import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { TLSSocket } from 'node:tls'
import { describeUnless, OPENSSL, unmet } from '../../test/helpers/requirements.ts'
import { makeSelfSignedCert } from '../../test/helpers/tls.ts'
import { run } from './test-io.ts'

const dir = mkdtempSync(join(tmpdir(), 'coffer-cli-tls-'))
const cert = makeSelfSignedCert(dir)

describeUnless(await unmet(OPENSSL), 'CLI TLS flags', () => {
  let server: https.Server
  let address: string
  let caDir: string
  /** The certificate the last request presented, by subject CN; undefined when none. */
  let presented: string | undefined
  before(async () => {
    const files = cert!
    caDir = join(dir, 'cas')
    mkdirSync(caDir)
    copyFileSync(files.cert, join(caDir, 'ca.pem'))
    // The self-signed certificate is the server's, the CA trusted for clients, and the client's own.
    server = https.createServer(
      {
        key: readFileSync(files.key),
        cert: readFileSync(files.cert),
        ca: readFileSync(files.cert),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate()
        const cn = peer?.subject?.CN
        presented = Array.isArray(cn) ? cn[0] : cn
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"data":{"v":"ok"}}')
      },
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    address = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => {
    server.closeAllConnections()
    server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('-client-cert/-client-key present a certificate; without them the server refuses (exit 2)', async () => {
    const files = cert!
    presented = undefined
    const withCert = await run(
      [
        'read',
        '-field=v',
        `-ca-cert=${files.cert}`,
        `-client-cert=${files.cert}`,
        `-client-key=${files.key}`,
        'x',
      ],
      { env: { VAULT_ADDR: address, VAULT_TOKEN: 't' } },
    )
    assert.deepEqual([withCert.code, withCert.stdout, withCert.stderr], [0, 'ok', ''])
    assert.equal(presented, '127.0.0.1')
    const without = await run(['read', `-ca-cert=${files.cert}`, 'x'], {
      env: { VAULT_ADDR: address, VAULT_TOKEN: 't' },
    })
    assert.equal(without.code, 2)
  })

  test('VAULT_CLIENT_CERT, VAULT_CLIENT_KEY and VAULT_CAPATH do the same', async () => {
    const files = cert!
    const res = await run(['read', '-field=v', 'x'], {
      env: {
        VAULT_ADDR: address,
        VAULT_TOKEN: 't',
        VAULT_CAPATH: caDir,
        VAULT_CLIENT_CERT: files.cert,
        VAULT_CLIENT_KEY: files.key,
      },
    })
    assert.deepEqual([res.code, res.stdout, res.stderr], [0, 'ok', ''])
  })

  test('-tls-server-name is the name checked against the server certificate', async () => {
    const files = cert!
    const args = [`-ca-cert=${files.cert}`, `-client-cert=${files.cert}`, `-client-key=${files.key}`]
    const env = { VAULT_ADDR: address, VAULT_TOKEN: 't' }
    const wrong = await run(['read', ...args, '-tls-server-name=vault.example.com', 'x'], { env })
    assert.equal(wrong.code, 2)
    assert.match(wrong.stderr, /vault\.example\.com/)
    const right = await run(['read', '-field=v', ...args, 'x'], {
      env: { ...env, VAULT_TLS_SERVER_NAME: '127.0.0.1' },
    })
    assert.deepEqual([right.code, right.stdout], [0, 'ok'])
  })

  test('a client certificate without its key is a usage error (exit 1), nothing is sent', async () => {
    const files = cert!
    const res = await run(['read', `-client-cert=${files.cert}`, 'x'], {
      env: { VAULT_ADDR: address, VAULT_TOKEN: 't' },
    })
    assert.equal(res.code, 1)
    assert.match(res.stderr, /-client-cert and -client-key/)
  })
})
