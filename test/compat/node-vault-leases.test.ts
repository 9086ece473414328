// node-vault's lease commands on database credentials: generateDatabaseCredentials, renew (capped with Vault's warning), revoke, revokePrefix.
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import vault from 'node-vault'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { postgresEngine } from '../helpers/pg-engine.ts'
import { describeUnless, POSTGRES, unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describeUnless(await unmet(POSTGRES), 'node-vault lease commands on PostgreSQL credentials', () => {
  let server: TestServer
  let db: TestDatabase
  let root: ReturnType<typeof vault>

  before(async () => {
    db = await createTestDatabase()
    server = await startDevServer({ storage: 'inmem' })
    await postgresEngine(server.call, db.url, { app: { defaultTtl: '1h', maxTtl: '2h', validUntil: true } })
    root = vault({ endpoint: server.address, token: server.rootToken })
  })
  after(async () => {
    await server?.close()
    await db?.drop()
  })

  async function refusal(promise: Promise<unknown>): Promise<{ statusCode: number; message: string }> {
    try {
      await promise
    } catch (error) {
      const e = error as Error & { response?: { statusCode: number } }
      assert.ok(e.response, `expected an API error, got ${String(error)}`)
      return { statusCode: e.response.statusCode, message: e.message }
    }
    assert.fail('expected the request to be rejected')
  }

  it("renew grants the increment, and past the role max_ttl grants the cap with Vault's warning", async () => {
    const creds = await root.generateDatabaseCredentials({ databasePath: 'database', name: 'app' })
    assert.match(creds.lease_id, /^database\/creds\/app\//)
    assert.deepEqual([creds.lease_duration, creds.renewable], [3600, true])

    const renewed = await root.renew({ lease_id: creds.lease_id, increment: 600 })
    assert.deepEqual(
      [renewed.lease_id, renewed.lease_duration, renewed.renewable],
      [creds.lease_id, 600, true],
    )
    assert.equal(renewed.warnings, null)

    const capped = await root.renew({ lease_id: creds.lease_id, increment: 999999 })
    assert.ok(
      capped.lease_duration > 7100 && capped.lease_duration <= 7200,
      `granted ${capped.lease_duration}`,
    )
    assert.equal(capped.warnings.length, 1)
    assert.match(
      capped.warnings[0],
      /^TTL of "277h46m39s" exceeded the effective max_ttl of "1h59m\d{1,2}s"; TTL value is capped accordingly$/,
    )
  })

  it('revoke ends a lease; renewing it afterwards is a 400 "lease not found"', async () => {
    const creds = await root.generateDatabaseCredentials({ databasePath: 'database', name: 'app' })
    assert.equal(await root.revoke({ lease_id: creds.lease_id }), '')
    assert.deepEqual(await refusal(root.renew({ lease_id: creds.lease_id })), {
      statusCode: 400,
      message: 'lease not found',
    })
  })

  it('revokePrefix ends every lease under the prefix', async () => {
    const a = await root.generateDatabaseCredentials({ databasePath: 'database', name: 'app' })
    const b = await root.generateDatabaseCredentials({ databasePath: 'database', name: 'app' })
    await root.revokePrefix({ path_prefix: 'database/creds/app' })
    for (const lease of [a.lease_id, b.lease_id])
      assert.deepEqual(await refusal(root.write('sys/leases/lookup', { lease_id: lease })), {
        statusCode: 400,
        message: 'invalid lease',
      })
  })
})
