// LastAccessedDate: the day of the last read per secret, version and replica region, stored at most once a day.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Storage, StorageOp } from '../../../sdk/storage.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import type { SmState } from './state.ts'
import { DAY, makeSm, type SmHarness, token, withAws } from './test-helpers.ts'

/** Midnight UTC of START's day, in epoch seconds as the wire carries it. */
const DAY1 = Date.UTC(2026, 0, 2) / 1000
const DAY2 = DAY1 + DAY / 1000

/** Memory storage counting the writes of access entries (puts, and puts inside batches). */
class CountingStorage extends MemoryStorage {
  accessPuts = 0
  failAccess = false
  override async put(key: string, value: Uint8Array): Promise<void> {
    if (key.startsWith('access/')) {
      this.accessPuts++
      if (this.failAccess) throw new Error('disk full')
    }
    return super.put(key, value)
  }
  override async batch(ops: StorageOp[]): Promise<void> {
    for (const op of ops) if (op.op === 'put' && op.key.startsWith('access/')) this.accessPuts++
    return super.batch(ops)
  }
}

/** Wait for the access days being stored in the background. */
async function settled(sm: Pick<SmHarness, 'instance'>): Promise<void> {
  await Promise.all((sm.instance.state as SmState).accessWrites)
}

async function accessKeys(storage: Storage): Promise<string[]> {
  return storage.list('access/')
}

async function setup(storage = new CountingStorage()) {
  const sm = await makeSm({ storage })
  await sm.aws('CreateSecret', { Name: 'app/db', SecretString: 'one', ClientRequestToken: token(1) })
  return { sm, storage }
}

describe('LastAccessedDate', () => {
  it('is absent until the first read', async () => {
    const { sm, storage } = await setup()
    const d = await sm.aws('DescribeSecret', { SecretId: 'app/db' })
    assert.equal('LastAccessedDate' in d, false)
    const list = (await sm.aws('ListSecrets'))['SecretList'] as Record<string, unknown>[]
    assert.equal('LastAccessedDate' in list[0]!, false)
    const versions = (await sm.aws('ListSecretVersionIds', { SecretId: 'app/db' }))['Versions'] as Record<
      string,
      unknown
    >[]
    assert.equal('LastAccessedDate' in versions[0]!, false)
    assert.equal(storage.accessPuts, 0)
  })

  it('is midnight UTC of the read day; a second read that day writes nothing; the next day updates it', async () => {
    const { sm, storage } = await setup()
    await sm.aws('GetSecretValue', { SecretId: 'app/db' })
    await settled(sm)
    assert.equal(storage.accessPuts, 1)
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'app/db' }))['LastAccessedDate'], DAY1)
    const list = (await sm.aws('ListSecrets'))['SecretList'] as Record<string, unknown>[]
    assert.equal(list[0]!['LastAccessedDate'], DAY1)
    const versions = (await sm.aws('ListSecretVersionIds', { SecretId: 'app/db' }))['Versions'] as Record<
      string,
      unknown
    >[]
    assert.equal(versions[0]!['LastAccessedDate'], DAY1)

    sm.tick(3600_000)
    await sm.aws('GetSecretValue', { SecretId: 'app/db' })
    await settled(sm)
    assert.equal(storage.accessPuts, 1)

    sm.tick(DAY)
    await sm.aws('GetSecretValue', { SecretId: 'app/db' })
    await settled(sm)
    assert.equal(storage.accessPuts, 2)
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'app/db' }))['LastAccessedDate'], DAY2)
  })

  it('is shown at once, before the background write is stored', async () => {
    const { sm } = await setup()
    await sm.aws('GetSecretValue', { SecretId: 'app/db' })
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'app/db' }))['LastAccessedDate'], DAY1)
    await settled(sm)
  })

  it('20 concurrent first reads of the day store it once', async () => {
    const { sm, storage } = await setup()
    const reads = await Promise.all(
      Array.from({ length: 20 }, () => sm.aws('GetSecretValue', { SecretId: 'app/db' })),
    )
    assert.ok(reads.every((r) => r['SecretString'] === 'one'))
    await settled(sm)
    assert.equal(storage.accessPuts, 1)
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'app/db' }))['LastAccessedDate'], DAY1)
  })

  it('is kept per version: a read of another version marks that version only', async () => {
    const { sm } = await setup()
    await sm.aws('PutSecretValue', { SecretId: 'app/db', SecretString: 'two', ClientRequestToken: token(2) })
    await sm.aws('GetSecretValue', { SecretId: 'app/db', VersionId: token(1) })
    sm.tick(DAY)
    await sm.aws('GetSecretValue', { SecretId: 'app/db' })
    await settled(sm)
    const versions = (await sm.aws('ListSecretVersionIds', { SecretId: 'app/db' }))['Versions'] as Record<
      string,
      unknown
    >[]
    const byId = Object.fromEntries(versions.map((v) => [v['VersionId'], v['LastAccessedDate']]))
    assert.deepEqual(byId, { [token(2)]: DAY2, [token(1)]: DAY1 })
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'app/db' }))['LastAccessedDate'], DAY2)
  })

  it('survives a restart, and a read after it that adds nothing writes nothing', async () => {
    const { sm, storage } = await setup()
    await sm.aws('GetSecretValue', { SecretId: 'app/db' })
    await settled(sm)
    const again = withAws(await sm.restart())
    assert.equal((await again.aws('DescribeSecret', { SecretId: 'app/db' }))['LastAccessedDate'], DAY1)
    await again.aws('GetSecretValue', { SecretId: 'app/db' })
    await settled(again)
    assert.equal(storage.accessPuts, 1)
  })

  it('a read through the Vault API counts', async () => {
    const { sm } = await setup()
    const got = await sm.call('read', 'secrets/app/db')
    assert.equal(got?.data?.['secret_string'] ?? got?.data?.['SecretString'], 'one')
    await settled(sm)
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'app/db' }))['LastAccessedDate'], DAY1)
  })

  it('a failed write is logged and never fails the read; it is retried with the next day, not with each read', async () => {
    const storage = new CountingStorage()
    const logged: string[] = []
    const sm = await makeSm({ storage, log: (level, message) => logged.push(`${level}: ${message}`) })
    await sm.aws('CreateSecret', { Name: 'app/db', SecretString: 'one', ClientRequestToken: token(1) })
    storage.failAccess = true
    const got = await sm.aws('GetSecretValue', { SecretId: 'app/db' })
    assert.equal(got['SecretString'], 'one')
    await settled(sm)
    assert.equal(logged.length, 1)
    assert.match(logged[0]!, /^warn: .*last read/)
    assert.equal((await sm.aws('GetSecretValue', { SecretId: 'app/db' }))['SecretString'], 'one')
    await settled(sm)
    assert.equal(storage.accessPuts, 1)
    assert.equal(logged.length, 1)
    storage.failAccess = false
    sm.tick(DAY)
    await sm.aws('GetSecretValue', { SecretId: 'app/db' })
    await settled(sm)
    assert.equal(storage.accessPuts, 2)
    assert.equal((await accessKeys(storage)).length, 1)
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'app/db' }))['LastAccessedDate'], DAY2)
  })

  it('a forced delete removes the entry; a scheduled deletion and a restore keep it', async () => {
    const { sm, storage } = await setup()
    await sm.aws('GetSecretValue', { SecretId: 'app/db' })
    await settled(sm)
    await sm.aws('DeleteSecret', { SecretId: 'app/db', RecoveryWindowInDays: 7 })
    await sm.aws('RestoreSecret', { SecretId: 'app/db' })
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'app/db' }))['LastAccessedDate'], DAY1)
    await sm.aws('DeleteSecret', { SecretId: 'app/db', ForceDeleteWithoutRecovery: true })
    assert.deepEqual(await accessKeys(storage), [])
    // A new secret of the same name starts unread, whatever this node remembered of the old one.
    await sm.aws('CreateSecret', { Name: 'app/db', SecretString: 'new', ClientRequestToken: token(3) })
    assert.equal('LastAccessedDate' in (await sm.aws('DescribeSecret', { SecretId: 'app/db' })), false)
    await sm.aws('GetSecretValue', { SecretId: 'app/db' })
    await settled(sm)
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'app/db' }))['LastAccessedDate'], DAY1)
  })

  it('the scheduled purge removes the entry', async () => {
    const { sm, storage } = await setup()
    await sm.aws('GetSecretValue', { SecretId: 'app/db' })
    await settled(sm)
    await sm.aws('DeleteSecret', { SecretId: 'app/db', RecoveryWindowInDays: 7 })
    sm.tick(8 * DAY)
    await sm.periodic()
    assert.deepEqual(await accessKeys(storage), [])
  })

  it("a replica's reads show in ReplicationStatus and in the replica's DescribeSecret, not the primary's", async () => {
    const { sm } = await setup()
    await sm.awsIn('us-east-1')('ReplicateSecretToRegions', {
      SecretId: 'app/db',
      AddReplicaRegions: [{ Region: 'eu-west-1' }],
    })
    await sm.awsIn('eu-west-1')('GetSecretValue', { SecretId: 'app/db' })
    await settled(sm)
    const primary = await sm.awsIn('us-east-1')('DescribeSecret', { SecretId: 'app/db' })
    assert.equal('LastAccessedDate' in primary, false)
    const status = primary['ReplicationStatus'] as Record<string, unknown>[]
    assert.equal(status[0]!['LastAccessedDate'], DAY1)
    const replica = await sm.awsIn('eu-west-1')('DescribeSecret', { SecretId: 'app/db' })
    assert.equal(replica['LastAccessedDate'], DAY1)
  })

  it('the compliance inventory reports last_accessed in RFC 3339', async () => {
    const { sm } = await setup()
    await sm.aws('CreateSecret', { Name: 'unread', SecretString: 'x' })
    await sm.aws('GetSecretValue', { SecretId: 'app/db' })
    await settled(sm)
    const items = []
    for await (const item of sm.instance.inventory()) items.push(item)
    const byName = Object.fromEntries(items.map((i) => [i.name, i.details ?? {}]))
    assert.equal(byName['app/db']!['last_accessed'], '2026-01-02T00:00:00.000000000Z')
    assert.equal('last_accessed' in byName['unread']!, false)
  })
})
