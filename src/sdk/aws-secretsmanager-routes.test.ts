// The action→path table and SecretId parsing the engine and the AWS adapter share.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseSecretId, SECRETS_MANAGER_ACTIONS, secretsManagerRoute } from './aws-secretsmanager-routes.ts'

describe('parseSecretId', () => {
  it('reads names, full ARNs and partial ARNs', () => {
    assert.deepEqual(parseSecretId('prod/db'), { name: 'prod/db' })
    const arn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-AbC123'
    assert.deepEqual(parseSecretId(arn), {
      name: 'prod/db',
      suffix: 'AbC123',
      arn: { partition: 'aws', region: 'us-east-1', account: '000000000000' },
    })
    assert.equal(
      parseSecretId('arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db').name,
      'prod/db',
    )
    assert.equal(parseSecretId('arn:aws:secretsmanager:r:a:secret:a:b').name, 'a:b')
  })
})

describe('secretsManagerRoute', () => {
  it('maps every action to a capability on a per-secret path', () => {
    const input = {
      SecretId: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:app/x-AbC123',
      Name: 'app/x',
    }
    const table = Object.fromEntries(SECRETS_MANAGER_ACTIONS.map((a) => [a, secretsManagerRoute(a, input)]))
    assert.deepEqual(table, {
      CreateSecret: { operation: 'create', path: 'secrets/app/x' },
      GetSecretValue: { operation: 'read', path: 'secrets/app/x' },
      BatchGetSecretValue: { operation: 'list', path: 'metadata/' },
      PutSecretValue: { operation: 'update', path: 'secrets/app/x' },
      UpdateSecret: { operation: 'update', path: 'secrets/app/x' },
      DescribeSecret: { operation: 'read', path: 'metadata/app/x' },
      ListSecrets: { operation: 'list', path: 'metadata/' },
      DeleteSecret: { operation: 'delete', path: 'secrets/app/x' },
      RestoreSecret: { operation: 'update', path: 'restore/app/x' },
      ListSecretVersionIds: { operation: 'read', path: 'versions/app/x' },
      UpdateSecretVersionStage: { operation: 'update', path: 'versions/app/x' },
      TagResource: { operation: 'update', path: 'tags/app/x' },
      UntagResource: { operation: 'delete', path: 'tags/app/x' },
      GetRandomPassword: { operation: 'read', path: 'random-password' },
      RotateSecret: { operation: 'update', path: 'rotation/app/x' },
      CancelRotateSecret: { operation: 'delete', path: 'rotation/app/x' },
      PutResourcePolicy: { operation: 'update', path: 'policy/app/x' },
      GetResourcePolicy: { operation: 'read', path: 'policy/app/x' },
      DeleteResourcePolicy: { operation: 'delete', path: 'policy/app/x' },
      ValidateResourcePolicy: { operation: 'update', path: 'validate-policy' },
      ReplicateSecretToRegions: { operation: 'update', path: 'replication/app/x' },
      RemoveRegionsFromReplication: { operation: 'delete', path: 'replication/app/x' },
      StopReplicationToReplica: { operation: 'update', path: 'promote/app/x' },
    })
  })
})
