// The same secrets through the Vault API paths, the route check on AWS requests, and values kept out of clear storage.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { buildBackend, dataOf, failure, storedText } from '../../../sdk/framework/backend-harness.ts'
import { storageView } from '../../../sdk/storage.ts'
import { Barrier } from '../../barrier/barrier.ts'
import { SqliteStorage } from '../../physical/sqlite.ts'
import { secretsManagerBackend } from './backend.ts'
import { awsError, functionRunner, makeSm, smApi, withAws } from './test-helpers.ts'

describe('Vault API paths', () => {
  it('write creates, write again adds a version, read answers the value, LIST the names', async () => {
    const sm = await makeSm()
    assert.equal(await sm.exists('secrets/prod/db'), false)
    const created = dataOf(
      await sm.call('create', 'secrets/prod/db', {
        secret_string: 'one',
        description: 'd',
        tags: { team: 'a' },
      }),
    )
    assert.match(String(created['arn']), /^arn:aws:secretsmanager:/)
    assert.equal(await sm.exists('secrets/prod/db'), true)
    await sm.call('update', 'secrets/prod/db', { secret_string: 'two' })
    const read = dataOf(await sm.call('read', 'secrets/prod/db'))
    assert.equal(read['secret_string'], 'two')
    assert.deepEqual(read['version_stages'], ['AWSCURRENT'])
    assert.match(String(read['created_date']), /^2026-01-02T03:04:05/)
    assert.equal(
      dataOf(await sm.call('read', 'secrets/prod/db', { version_stage: 'AWSPREVIOUS' }))['secret_string'],
      'one',
    )
    await sm.call('create', 'secrets/dev/x', { secret_string: 'x' })
    assert.deepEqual(dataOf(await sm.call('list', 'secrets/'))['keys'], ['dev/', 'prod/'])
    assert.deepEqual(dataOf(await sm.call('list', 'metadata/prod/'))['keys'], ['db'])
    const meta = dataOf(await sm.call('read', 'metadata/prod/db'))
    assert.equal(meta['description'], 'd')
    assert.deepEqual(meta['tags'], [{ key: 'team', value: 'a' }])
    assert.equal(Object.keys(meta['version_ids_to_stages'] as object).length, 2)
    // The AWS view of the same secret.
    const aws = withAws(sm)
    assert.equal((await aws.aws('GetSecretValue', { SecretId: 'prod/db' }))['SecretString'], 'two')
  })

  // The ACL check decides create or update from whether the secret exists; another writer may change that before
  // the handler runs. The handler acts as the request was authorised, never from a second look of its own.
  it('a write authorised as a create never adds a version to a secret created since; an update never re-creates one', async () => {
    const sm = await makeSm()
    await sm.call('create', 'secrets/raced', { secret_string: 'first' })
    const late = await failure(() => sm.call('create', 'secrets/raced', { secret_string: 'second' }))
    assert.deepEqual(late, {
      status: 400,
      message: 'The operation failed because the secret raced already exists.',
    })
    const versions = dataOf(await sm.call('read', 'versions/raced'))['versions'] as unknown[]
    assert.equal(versions.length, 1)
    assert.equal(dataOf(await sm.call('read', 'secrets/raced'))['secret_string'], 'first')

    await sm.call('delete', 'secrets/raced', { force_delete_without_recovery: true })
    const gone = await failure(() => sm.call('update', 'secrets/raced', { secret_string: 'third' }))
    assert.equal(gone.status, 400)
    assert.match(gone.message, /can't find the specified secret/)
    assert.equal(await sm.exists('secrets/raced'), false)
  })

  it('a write changing the description with a new value applies both or neither', async () => {
    const sm = await makeSm()
    await sm.call('create', 'secrets/both', { secret_string: 'one', description: 'old' })
    // An invalid value (text and binary at once) refuses the whole write: the description is not changed either.
    const refused = await failure(() =>
      sm.call('update', 'secrets/both', {
        description: 'new',
        secret_string: 'two',
        secret_binary: Buffer.from('two').toString('base64'),
      }),
    )
    assert.equal(refused.status, 400)
    assert.equal(dataOf(await sm.call('read', 'metadata/both'))['description'], 'old')
    const written = dataOf(
      await sm.call('update', 'secrets/both', { description: 'new', secret_string: 'two' }),
    )
    assert.equal(typeof written['version_id'], 'string')
    assert.equal(dataOf(await sm.call('read', 'metadata/both'))['description'], 'new')
    const read = dataOf(await sm.call('read', 'secrets/both'))
    assert.equal(read['secret_string'], 'two')
    assert.equal(read['version_id'], written['version_id'])
  })

  it('versions/, tags/, rotation/, delete with a window, restore/ and random-password', async () => {
    const sm = await makeSm({ rotation: functionRunner({ rotate: async () => {} }, () => smApi(sm.aws)) })
    await sm.call('create', 'secrets/s', { secret_string: 'one' })
    await sm.call('update', 'secrets/s', { secret_string: 'two', version_stages: ['AWSPENDING'] })
    const versions = dataOf(await sm.call('read', 'versions/s'))['versions'] as {
      version_id: string
      version_stages: string[]
    }[]
    const pending = versions.find((v) => v.version_stages.includes('AWSPENDING'))!
    const current = versions.find((v) => v.version_stages.includes('AWSCURRENT'))!
    await sm.call('update', 'versions/s', {
      version_stage: 'AWSCURRENT',
      move_to_version_id: pending.version_id,
      remove_from_version_id: current.version_id,
    })
    assert.equal(dataOf(await sm.call('read', 'secrets/s'))['secret_string'], 'two')
    await sm.call('update', 'tags/s', { tags: { a: '1', b: '2' } })
    await sm.call('delete', 'tags/s', { tag_keys: ['a'] })
    assert.deepEqual(dataOf(await sm.call('read', 'metadata/s'))['tags'], [{ key: 'b', value: '2' }])
    await sm.call('update', 'rotation/s', {
      rotation_lambda_arn: 'rotate',
      automatically_after_days: 30,
      rotate_immediately: false,
    })
    assert.equal(dataOf(await sm.call('read', 'metadata/s'))['rotation_enabled'], true)
    await sm.call('delete', 'rotation/s')
    assert.equal(dataOf(await sm.call('read', 'metadata/s'))['rotation_enabled'], false)
    const deleted = dataOf(await sm.call('delete', 'secrets/s', { recovery_window_in_days: 7 }))
    assert.match(String(deleted['deletion_date']), /^2026-01-09T/)
    assert.equal((await failure(() => sm.call('read', 'secrets/s'))).status, 400)
    await sm.call('update', 'restore/s')
    assert.equal(dataOf(await sm.call('read', 'secrets/s'))['secret_string'], 'two')
    assert.equal(
      String(dataOf(await sm.call('read', 'random-password', { password_length: 16 }))['random_password'])
        .length,
      16,
    )
  })

  it('errors keep AWS types and messages on the Vault side, with status 400', async () => {
    const sm = await makeSm()
    const e = await failure(() => sm.call('read', 'secrets/none'))
    assert.deepEqual(e, { status: 400, message: "Secrets Manager can't find the specified secret." })
  })
})

describe('AWS requests through the paths', () => {
  it('an action whose SecretId names another secret than the authorised path is refused', async () => {
    const sm = await makeSm()
    await sm.call('create', 'secrets/mine', { secret_string: 'a' })
    await sm.call('create', 'secrets/theirs', { secret_string: 'b' })
    const headers = { 'x-amz-target': 'secretsmanager.GetSecretValue' }
    const wrongPath = sm.call('read', 'secrets/mine', { SecretId: 'theirs' }, { headers })
    assert.equal((await awsError(wrongPath)).type, 'AccessDeniedException')
    const wrongOperation = sm.call(
      'read',
      'secrets/theirs',
      { SecretId: 'theirs' },
      { headers: { 'x-amz-target': 'secretsmanager.DeleteSecret' } },
    )
    assert.equal((await awsError(wrongOperation)).type, 'AccessDeniedException')
    const unknown = sm.call(
      'read',
      'secrets/mine',
      { SecretId: 'mine' },
      { headers: { 'x-amz-target': 'secretsmanager.Nope' } },
    )
    assert.equal((await awsError(unknown)).type, 'UnknownOperationException')
    assert.equal(
      dataOf(await sm.call('read', 'secrets/mine', { SecretId: 'mine' }, { headers }))['SecretString'],
      'a',
    )
  })
})

describe('storage', () => {
  it('values and names never reach physical storage in clear (the barrier over SQLite)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-sm-'))
    const physical = SqliteStorage.open(join(dir, 'coffer.db'))
    try {
      const barrier = new Barrier(physical)
      const key = new Uint8Array(32).fill(7)
      await barrier.initialize(key)
      await barrier.unseal(key)
      const sm = withAws(
        await buildBackend(secretsManagerBackend, {
          storage: storageView(barrier, 'logical/sm/'),
          mount: { type: 'secretsmanager', path: 'secretsmanager/' },
        }),
      )
      await sm.aws('CreateSecret', {
        Name: 'clear-name-check',
        SecretString: 'very-secret-value-1234',
        Description: 'desc-text',
      })
      await sm.aws('PutSecretValue', {
        SecretId: 'clear-name-check',
        SecretBinary: Buffer.from('binary-secret-5678').toString('base64'),
      })
      assert.equal(
        (await sm.aws('GetSecretValue', { SecretId: 'clear-name-check', VersionStage: 'AWSPREVIOUS' }))[
          'SecretString'
        ],
        'very-secret-value-1234',
      )
      const text = await storedText(physical)
      assert.ok(text.includes('logical/sm/secrets/'), 'the walk saw the engine entries')
      for (const needle of [
        'very-secret-value-1234',
        'clear-name-check',
        'desc-text',
        'binary-secret-5678',
        'YmluYXJ5',
      ])
        assert.ok(!text.includes(needle), needle)
    } finally {
      await physical.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('the leak index sees every text version', async () => {
    const sm = await makeSm()
    await sm.call('create', 'secrets/a', { secret_string: 'v1' })
    await sm.call('update', 'secrets/a', { secret_string: 'v2' })
    const seen: string[] = []
    for await (const item of sm.instance.storedValues()) seen.push(`${item.path}=${item.value}`)
    assert.deepEqual(seen.sort(), ['secretsmanager/secrets/a=v1', 'secretsmanager/secrets/a=v2'])
  })
})
