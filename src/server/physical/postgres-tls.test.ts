// PostgreSQL storage over TLS: a throwaway cluster serving TLS; verify-full trusts only the given CA, require encrypts.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type PgCluster, startPgCluster } from '../../../test/helpers/pg-cluster.ts'
import { OPENSSL, PG_CLUSTER, unmet } from '../../../test/helpers/requirements.ts'
import { makeTempDir } from '../../../test/helpers/server.ts'
import { makeSelfSignedCert } from '../../../test/helpers/tls.ts'
import { PostgresStorage } from './postgres.ts'

describe('PostgreSQL storage over TLS', { skip: await unmet(PG_CLUSTER, OPENSSL) }, () => {
  const temp = makeTempDir('coffer-pg-tls-')
  const other = makeTempDir('coffer-pg-tls-other-')
  let cluster: PgCluster
  let ca = ''
  let wrongCa = ''
  before(async () => {
    const tls = makeSelfSignedCert(temp.dir)!
    ca = tls.cert
    wrongCa = makeSelfSignedCert(other.dir)!.cert
    cluster = await startPgCluster({ tls })
  })
  after(async () => {
    await cluster?.remove()
    temp.remove()
    other.remove()
  })

  const url = (query: string) =>
    `postgresql://postgres:${encodeURIComponent(cluster.superPassword)}@127.0.0.1:${cluster.port}/postgres?${query}`

  it('connects with sslmode=verify-full and the server certificate as sslrootcert, and the session is encrypted', async () => {
    const storage = await PostgresStorage.open({
      connectionUrl: url(`sslmode=verify-full&sslrootcert=${ca}`),
      table: 'tls_kv',
    })
    try {
      await storage.put('over/tls', new TextEncoder().encode('sealed'))
      assert.equal(new TextDecoder().decode(await storage.get('over/tls')), 'sealed')
      const sessions = await cluster.query(
        "SELECT count(*)::int AS n FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'coffer' AND s.ssl",
      )
      assert.ok(sessions.rows[0].n >= 1, 'the storage connection uses TLS')
    } finally {
      await storage.close()
    }
  })

  it('refuses a server whose certificate the given CA did not sign, without showing the password', async () => {
    const error = await PostgresStorage.open({
      connectionUrl: url(`sslmode=verify-full&sslrootcert=${wrongCa}`),
      table: 'tls_kv',
    }).then(
      () => undefined,
      (e: Error) => e,
    )
    assert.ok(error instanceof Error, 'the connection was refused')
    assert.doesNotMatch(
      `${error.message}\n${error.stack}`,
      new RegExp(cluster.superPassword.replace(/[^A-Za-z0-9]/g, '.')),
    )
  })

  it('encrypts with sslmode=require without verifying the certificate (as libpq)', async () => {
    const storage = await PostgresStorage.open({ connectionUrl: url('sslmode=require'), table: 'tls_kv' })
    try {
      assert.equal(new TextDecoder().decode(await storage.get('over/tls')), 'sealed')
    } finally {
      await storage.close()
    }
  })
})
