// Scheduled deletion really happens: the periodic hook purges a secret once its deletion date passes on the manual clock.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { listRecursive } from '../../../sdk/storage.ts'
import type { SmState } from './state.ts'
import { awsError, DAY, makeSm, withAws } from './test-helpers.ts'

describe('scheduled purge', () => {
  it('purges after the recovery window, not before; a restored secret stays', async () => {
    const sm = await makeSm()
    for (const name of ['a', 'b', 'kept']) await sm.aws('CreateSecret', { Name: name, SecretString: 'v' })
    await sm.aws('PutSecretValue', { SecretId: 'a', SecretString: 'w' })
    await sm.aws('DeleteSecret', { SecretId: 'a', RecoveryWindowInDays: 7 })
    await sm.aws('DeleteSecret', { SecretId: 'b', RecoveryWindowInDays: 10 })
    await sm.aws('DeleteSecret', { SecretId: 'kept', RecoveryWindowInDays: 7 })
    await sm.aws('RestoreSecret', { SecretId: 'kept' })
    sm.tick(7 * DAY - 1)
    await sm.periodic()
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'a' }))['Name'], 'a')
    sm.tick(1)
    await sm.periodic()
    assert.equal(
      (await awsError(sm.aws('DescribeSecret', { SecretId: 'a' }))).type,
      'ResourceNotFoundException',
    )
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'b' }))['Name'], 'b')
    assert.equal((await sm.aws('GetSecretValue', { SecretId: 'kept' }))['SecretString'], 'v')
    sm.tick(3 * DAY)
    await sm.periodic()
    assert.equal(
      (await awsError(sm.aws('DescribeSecret', { SecretId: 'b' }))).type,
      'ResourceNotFoundException',
    )
    // Only the restored secret's record, value and read day remain; the name can be used again.
    await Promise.all((sm.instance.state as SmState).accessWrites)
    assert.equal((await listRecursive(sm.storage)).length, 3)
    await sm.aws('CreateSecret', { Name: 'a', SecretString: 'new' })
  })

  it('a restart finds the pending deletions in storage and still purges them', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 'a', SecretString: 'v' })
    await sm.aws('DeleteSecret', { SecretId: 'a', RecoveryWindowInDays: 7 })
    const restarted = withAws(await sm.restart())
    restarted.tick(8 * DAY)
    await restarted.periodic()
    assert.equal(
      (await awsError(restarted.aws('DescribeSecret', { SecretId: 'a' }))).type,
      'ResourceNotFoundException',
    )
  })
})
