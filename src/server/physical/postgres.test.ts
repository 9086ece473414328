// PostgresStorage: the shared contract on a fresh database, then schema, group commit, listing, copies and TLS.
import { after, before } from 'node:test'
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/pg-database.ts'
import { describeUnless, POSTGRES, unmet } from '../../../test/helpers/requirements.ts'
import { PostgresStorage } from './postgres.ts'
import { runStorageContract } from './storage.contract.ts'

const skip = await unmet(POSTGRES)
let db: TestDatabase
let tableCounter = 0

describeUnless(skip, 'PostgresStorage', () => {
  before(async () => {
    db = await createTestDatabase()
  })
  after(() => db?.drop())
  // Each contract test gets its own table: a fresh, empty store, and the table setting exercised.
  runStorageContract('postgresql', () =>
    PostgresStorage.open({ connectionUrl: db.url, table: `contract_${++tableCounter}`, maxParallel: 4 }),
  )
})
