// The throwaway database's drop() removes the roles tagged for it, and only those.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, it } from 'node:test'
import pg from 'pg'
import { createTestDatabase, PG_ADMIN_URL, pgRoleTag } from './pg-database.ts'
import { describeUnless, POSTGRES, unmet } from './requirements.ts'

async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL })
  await client.connect()
  try {
    return await client.query(sql, params)
  } finally {
    await client.end()
  }
}

const roleExists = async (name: string) =>
  (await adminQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1

describeUnless(await unmet(POSTGRES), 'createTestDatabase: drop() and tagged roles', () => {
  const suffix = randomBytes(4).toString('hex')
  const tagged = `coffer-tagged-${suffix}`
  // Stands for a role another test file owns: untagged, or tagged for another database.
  const untagged = `coffer-untagged-${suffix}`
  const elsewhere = `coffer-elsewhere-${suffix}`
  after(async () => {
    for (const name of [tagged, untagged, elsewhere]) await adminQuery(`DROP ROLE IF EXISTS "${name}"`)
  })

  it('drops the roles tagged for its database, and leaves every other role alone', async () => {
    const db = await createTestDatabase()
    const other = await createTestDatabase()
    try {
      for (const name of [tagged, untagged, elsewhere]) await db.query(`CREATE ROLE "${name}" WITH LOGIN`)
      await db.query(pgRoleTag(db.url).replace('{{name}}', tagged))
      await db.query(pgRoleTag(other.name).replace('{{name}}', elsewhere))
      await db.drop()
      assert.equal(await roleExists(tagged), false, 'the tagged role outlived its database')
      assert.equal(await roleExists(untagged), true)
      assert.equal(await roleExists(elsewhere), true)
      await db.drop()
    } finally {
      await other.drop()
    }
    assert.equal(await roleExists(elsewhere), false, "the other database's drop() takes its own tagged role")
  })
})
