// A Coffer server with one HTTPS listener (openssl-made certificate), initialised and unsealed over that listener.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import type { ListenerConfig } from '../../src/server/config/load-config.ts'
import type { RunningServer } from '../../src/server/start-server.ts'
import { httpsClient } from './https-client.ts'
import type { Issued } from './pki.ts'
import { startServerInTempDir, storageConfig, type TestStorage } from './server.ts'
import { makeSelfSignedCert } from './tls.ts'

export type Call = ReturnType<typeof httpsClient>

export interface TlsServer {
  server: RunningServer
  call: Call
  serverCa: string
  rootToken: string
}

/**
 * A sealed, uninitialised server with one HTTPS listener; `initialise` inits and unseals it over that listener.
 * Its data is SQLite in a temp dir of its own (removed on close) unless `storage` is 'inmem'.
 */
export async function startTlsServer(
  dir: string,
  listener: Partial<ListenerConfig> = {},
  storage: TestStorage = 'sqlite',
): Promise<TlsServer> {
  mkdirSync(dir, { recursive: true })
  const made = makeSelfSignedCert(dir)
  assert.ok(made, 'openssl makes the server certificate')
  const server = await startServerInTempDir((dataDir) => ({
    config: {
      listeners: [
        {
          type: 'tcp',
          address: '127.0.0.1:0',
          tlsDisable: false,
          tlsCertFile: made.cert,
          tlsKeyFile: made.key,
          maxRequestSize: 1 << 20,
          ...listener,
        },
      ],
      storage: storageConfig(storage, dataDir),
      defaultLeaseTtl: 768 * 3600,
      maxLeaseTtl: 768 * 3600,
      logLevel: 'error',
      disableMlock: true,
      ui: false,
    },
  }))
  return { server, call: httpsClient(server.address, made.cert), serverCa: made.cert, rootToken: '' }
}

export async function initialise(t: TlsServer, cert?: Issued): Promise<void> {
  const opts = cert ? { cert } : {}
  const init = await t.call('PUT', 'sys/init', { ...opts, body: { secret_shares: 1, secret_threshold: 1 } })
  assert.equal(init.status, 200, JSON.stringify(init.body))
  const unseal = await t.call('PUT', 'sys/unseal', { ...opts, body: { key: init.body.keys_base64[0] } })
  assert.equal(unseal.body.sealed, false)
  t.rootToken = init.body.root_token
  t.call = httpsClient(t.server.address, t.serverCa, t.rootToken)
}
