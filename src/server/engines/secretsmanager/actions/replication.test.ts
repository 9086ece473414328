// Replication: regions from the credential scope, read-only replicas that follow the primary, promotion and removal.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { awsError, makeSm } from '../test-helpers.ts'

const READ_ONLY = {
  type: 'InvalidRequestException',
  message: "Operation not permitted on a replica secret. Call must be made in primary secret's region.",
}

const POLICY = JSON.stringify({
  Statement: [{ Effect: 'Deny', Principal: '*', Action: 'secretsmanager:DeleteSecret', Resource: '*' }],
})

const EAST_KEY = '0b6a1f3e-6c2d-4c55-9a43-2f1e8d7c6b5a'
const EAST_KEY_ARN = `arn:aws:kms:us-east-1:000000000000:key/${EAST_KEY}`
const WEST_KEY = '5d2c8e71-0a4b-4f3e-8c6d-9b1a2e3f4c5d'
const WEST_KEY_ARN = `arn:aws:kms:us-east-1:000000000000:key/${WEST_KEY}`

async function replicated() {
  const sm = await makeSm({ mountOptions: { account_id: '123456789012' } })
  const east = sm.awsIn('us-east-1')
  const west = sm.awsIn('eu-west-1')
  sm.keys.create('k-east', EAST_KEY)
  sm.keys.create('k-west', WEST_KEY)
  const created = await east('CreateSecret', {
    Name: 'app/db',
    SecretString: 'one',
    KmsKeyId: 'alias/k-east',
  })
  const replicatedOut = await east('ReplicateSecretToRegions', {
    SecretId: 'app/db',
    AddReplicaRegions: [{ Region: 'eu-west-1', KmsKeyId: 'alias/k-west' }],
  })
  return { sm, east, west, arn: String(created['ARN']), replicatedOut }
}

describe('region isolation', () => {
  it('a secret created in one region is not found from another', async () => {
    const sm = await makeSm()
    await sm.awsIn('eu-west-1')('CreateSecret', { Name: 'x', SecretString: 'v' })
    const east = sm.awsIn('us-east-1')
    assert.equal(
      (await awsError(east('GetSecretValue', { SecretId: 'x' }))).type,
      'ResourceNotFoundException',
    )
    assert.deepEqual((await east('ListSecrets', {}))['SecretList'], [])
    assert.equal((await sm.awsIn('eu-west-1')('GetSecretValue', { SecretId: 'x' }))['SecretString'], 'v')
  })

  it('the same name can be created independently in two regions', async () => {
    const sm = await makeSm()
    await sm.awsIn('eu-west-1')('CreateSecret', { Name: 'x', SecretString: 'west' })
    await sm.awsIn('us-east-1')('CreateSecret', { Name: 'x', SecretString: 'east' })
    assert.equal((await sm.awsIn('eu-west-1')('GetSecretValue', { SecretId: 'x' }))['SecretString'], 'west')
    assert.equal((await sm.awsIn('us-east-1')('GetSecretValue', { SecretId: 'x' }))['SecretString'], 'east')
    await sm.awsIn('us-east-1')('PutSecretValue', { SecretId: 'x', SecretString: 'east2' })
    assert.equal((await sm.awsIn('eu-west-1')('GetSecretValue', { SecretId: 'x' }))['SecretString'], 'west')
  })
})

describe('ReplicateSecretToRegions', () => {
  it('answers the primary ARN and the replicas, and the replica reads with its own ARN', async () => {
    const { west, arn, replicatedOut } = await replicated()
    assert.deepEqual(replicatedOut, {
      ARN: arn,
      ReplicationStatus: [{ Region: 'eu-west-1', KmsKeyId: WEST_KEY_ARN, Status: 'InSync' }],
    })
    const read = await west('GetSecretValue', { SecretId: 'app/db' })
    assert.equal(read['SecretString'], 'one')
    assert.equal(read['ARN'], arn.replace(':us-east-1:', ':eu-west-1:'))
    // The replica's full ARN names it too.
    assert.equal((await west('GetSecretValue', { SecretId: read['ARN'] }))['SecretString'], 'one')
  })

  it('keeps the replica in sync with every write to the primary', async () => {
    const { east, west } = await replicated()
    await east('PutSecretValue', { SecretId: 'app/db', SecretString: 'two' })
    await east('UpdateSecret', { SecretId: 'app/db', Description: 'the db' })
    await east('TagResource', { SecretId: 'app/db', Tags: [{ Key: 'team', Value: 'a' }] })
    assert.equal((await west('GetSecretValue', { SecretId: 'app/db' }))['SecretString'], 'two')
    const described = await west('DescribeSecret', { SecretId: 'app/db' })
    assert.equal(described['Description'], 'the db')
    assert.deepEqual(described['Tags'], [{ Key: 'team', Value: 'a' }])
    assert.equal(described['PrimaryRegion'], 'us-east-1')
    assert.equal(described['KmsKeyId'], WEST_KEY_ARN)
    assert.equal(described['ReplicationStatus'], undefined)
    const primary = await east('DescribeSecret', { SecretId: 'app/db' })
    assert.equal(primary['PrimaryRegion'], 'us-east-1')
    assert.equal(primary['KmsKeyId'], EAST_KEY_ARN)
    // The replica was read (from its region) today: midnight UTC of START's day.
    assert.deepEqual(primary['ReplicationStatus'], [
      { Region: 'eu-west-1', KmsKeyId: WEST_KEY_ARN, Status: 'InSync', LastAccessedDate: 1767312000 },
    ])
    assert.equal(primary['LastAccessedDate'], undefined)
    // ListSecrets entries carry no ReplicationStatus: botocore's SecretListEntry does not declare it.
    const [entry] = (await east('ListSecrets', {}))['SecretList'] as Record<string, unknown>[]
    assert.equal(entry?.['PrimaryRegion'], 'us-east-1')
    assert.equal('ReplicationStatus' in (entry ?? {}), false)
  })

  it('refuses every write on a replica', async () => {
    const { west } = await replicated()
    const id = { SecretId: 'app/db' }
    const writes: [Parameters<typeof west>[0], Record<string, unknown>][] = [
      ['PutSecretValue', { ...id, SecretString: 'x' }],
      ['UpdateSecret', { ...id, Description: 'x' }],
      ['DeleteSecret', { ...id, ForceDeleteWithoutRecovery: true }],
      ['RestoreSecret', id],
      ['TagResource', { ...id, Tags: [{ Key: 'a', Value: 'b' }] }],
      ['UntagResource', { ...id, TagKeys: ['a'] }],
      ['UpdateSecretVersionStage', { ...id, VersionStage: 'X', MoveToVersionId: 'a'.repeat(32) }],
      ['RotateSecret', { ...id, RotationRules: { AutomaticallyAfterDays: 3 } }],
      ['CancelRotateSecret', id],
      ['PutResourcePolicy', { ...id, ResourcePolicy: POLICY }],
      ['DeleteResourcePolicy', id],
      ['ReplicateSecretToRegions', { ...id, AddReplicaRegions: [{ Region: 'ap-south-1' }] }],
      ['RemoveRegionsFromReplication', { ...id, RemoveReplicaRegions: ['eu-west-1'] }],
    ]
    for (const [action, input] of writes)
      assert.deepEqual(await awsError(west(action, input)), READ_ONLY, action)
  })

  it('lists the replica in its region, with the primary-region filter', async () => {
    const { east, west } = await replicated()
    const [entry] = (await west('ListSecrets', {}))['SecretList'] as Record<string, unknown>[]
    assert.equal(entry?.['PrimaryRegion'], 'us-east-1')
    assert.match(String(entry?.['ARN']), /:eu-west-1:/)
    const filter = (region: string) => ({ Filters: [{ Key: 'primary-region', Values: [region] }] })
    assert.equal(((await east('ListSecrets', filter('us-east-1')))['SecretList'] as unknown[]).length, 1)
    assert.equal(((await east('ListSecrets', filter('eu-west-1')))['SecretList'] as unknown[]).length, 0)
  })

  it('fails a region where a same-name secret is primary, unless forced', async () => {
    const sm = await makeSm()
    await sm.awsIn('us-east-1')('CreateSecret', { Name: 'x', SecretString: 'east' })
    await sm.awsIn('eu-west-1')('CreateSecret', { Name: 'x', SecretString: 'west' })
    const east = sm.awsIn('us-east-1')
    const failed = await east('ReplicateSecretToRegions', {
      SecretId: 'x',
      AddReplicaRegions: [{ Region: 'eu-west-1' }],
    })
    assert.equal((failed['ReplicationStatus'] as { Status: string }[])[0]?.Status, 'Failed')
    assert.equal((await sm.awsIn('eu-west-1')('GetSecretValue', { SecretId: 'x' }))['SecretString'], 'west')
    const forced = await east('ReplicateSecretToRegions', {
      SecretId: 'x',
      AddReplicaRegions: [{ Region: 'eu-west-1' }],
      ForceOverwriteReplicaSecret: true,
    })
    assert.equal((forced['ReplicationStatus'] as { Status: string }[])[0]?.Status, 'InSync')
    assert.equal((await sm.awsIn('eu-west-1')('GetSecretValue', { SecretId: 'x' }))['SecretString'], 'east')
  })

  it('refuses the primary region and a malformed region', async () => {
    const { east } = await replicated()
    const primary = await awsError(
      east('ReplicateSecretToRegions', { SecretId: 'app/db', AddReplicaRegions: [{ Region: 'us-east-1' }] }),
    )
    assert.equal(primary.type, 'InvalidParameterException')
    const bad = await awsError(
      east('ReplicateSecretToRegions', { SecretId: 'app/db', AddReplicaRegions: [{ Region: 'Mars' }] }),
    )
    assert.equal(bad.type, 'ValidationException')
  })

  it('CreateSecret with AddReplicaRegions replicates at once', async () => {
    const sm = await makeSm()
    const out = await sm.awsIn('us-east-1')('CreateSecret', {
      Name: 'c',
      SecretString: 'v',
      AddReplicaRegions: [{ Region: 'eu-west-1' }, { Region: 'ap-south-1' }],
    })
    assert.deepEqual(out['ReplicationStatus'], [
      { Region: 'eu-west-1', Status: 'InSync' },
      { Region: 'ap-south-1', Status: 'InSync' },
    ])
    assert.equal((await sm.awsIn('ap-south-1')('GetSecretValue', { SecretId: 'c' }))['SecretString'], 'v')
  })
})

describe('RemoveRegionsFromReplication and deletion', () => {
  it('a primary with replicas cannot be deleted until they are removed', async () => {
    const { east, west } = await replicated()
    const refused = await awsError(
      east('DeleteSecret', { SecretId: 'app/db', ForceDeleteWithoutRecovery: true }),
    )
    assert.equal(refused.type, 'InvalidRequestException')
    const removed = await east('RemoveRegionsFromReplication', {
      SecretId: 'app/db',
      RemoveReplicaRegions: ['eu-west-1'],
    })
    assert.deepEqual(removed['ReplicationStatus'], [])
    assert.equal(
      (await awsError(west('GetSecretValue', { SecretId: 'app/db' }))).type,
      'ResourceNotFoundException',
    )
    await east('DeleteSecret', { SecretId: 'app/db', ForceDeleteWithoutRecovery: true })
  })
})

describe('StopReplicationToReplica', () => {
  it('promotes the replica to a standalone secret with the same ARN, no longer in sync', async () => {
    const { east, west } = await replicated()
    const replicaArn = String((await west('DescribeSecret', { SecretId: 'app/db' }))['ARN'])
    assert.deepEqual(await west('StopReplicationToReplica', { SecretId: 'app/db' }), { ARN: replicaArn })
    // Writable now, and independent of the old primary in both directions.
    await west('PutSecretValue', { SecretId: 'app/db', SecretString: 'west' })
    await east('PutSecretValue', { SecretId: 'app/db', SecretString: 'east' })
    assert.equal((await west('GetSecretValue', { SecretId: 'app/db' }))['SecretString'], 'west')
    assert.equal((await east('GetSecretValue', { SecretId: 'app/db' }))['SecretString'], 'east')
    // The old value history came along.
    const previous = await west('GetSecretValue', { SecretId: 'app/db', VersionStage: 'AWSPREVIOUS' })
    assert.equal(previous['SecretString'], 'one')
    const described = await west('DescribeSecret', { SecretId: 'app/db' })
    assert.equal(described['KmsKeyId'], WEST_KEY_ARN)
    assert.equal(described['PrimaryRegion'], undefined)
    assert.equal((await east('DescribeSecret', { SecretId: 'app/db' }))['ReplicationStatus'], undefined)
    // Both can now be deleted on their own.
    await west('DeleteSecret', { SecretId: 'app/db', ForceDeleteWithoutRecovery: true })
    assert.equal((await east('GetSecretValue', { SecretId: 'app/db' }))['SecretString'], 'east')
  })

  it('is refused on a primary', async () => {
    const { east } = await replicated()
    assert.equal(
      (await awsError(east('StopReplicationToReplica', { SecretId: 'app/db' }))).type,
      'InvalidRequestException',
    )
  })
})

describe('the Vault API', () => {
  it('replicates, promotes and removes regions through replication/<name> and promote/<name>', async () => {
    const sm = await makeSm()
    await sm.call('create', 'secrets/v', { secret_string: 'one' })
    const added = await sm.call('update', 'replication/v', {
      add_replica_regions: ['eu-west-1', 'ap-south-1'],
    })
    assert.deepEqual(added?.data?.['replication_status'], [
      { region: 'eu-west-1', status: 'InSync' },
      { region: 'ap-south-1', status: 'InSync' },
    ])
    assert.equal((await sm.awsIn('eu-west-1')('GetSecretValue', { SecretId: 'v' }))['SecretString'], 'one')
    await sm.call('delete', 'replication/v', { remove_replica_regions: 'eu-west-1' })
    await sm.call('update', 'promote/v', { region: 'ap-south-1' })
    const primary = await sm.call('read', 'metadata/v', {})
    assert.equal(primary?.data?.['replication_status'], undefined)
    assert.equal((await sm.awsIn('ap-south-1')('GetSecretValue', { SecretId: 'v' }))['SecretString'], 'one')
    assert.equal(
      (await awsError(sm.awsIn('eu-west-1')('GetSecretValue', { SecretId: 'v' }))).type,
      'ResourceNotFoundException',
    )
  })
})
