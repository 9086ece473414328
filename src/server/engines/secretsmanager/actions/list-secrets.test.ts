// ListSecrets: AWS's filter semantics, cursor pagination over 250 secrets, sort orders, IncludePlannedDeletion.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { awsError, DAY, makeSm } from '../test-helpers.ts'

type Entry = { Name: string; Tags?: unknown; SecretVersionsToStages: unknown }

const names = (out: Record<string, unknown>) => (out['SecretList'] as Entry[]).map((e) => e.Name)

async function fixture() {
  const sm = await makeSm()
  const make = async (Name: string, Description?: string, Tags?: { Key: string; Value: string }[]) => {
    await sm.aws('CreateSecret', { Name, Description, Tags, SecretString: 'v' })
    sm.tick(1000)
  }
  await make('prod/db', 'Main Database password', [{ Key: 'team', Value: 'payments' }])
  await make('prod/api', 'API key', [{ Key: 'env', Value: 'prod' }])
  await make('dev/db', 'database for dev', [{ Key: 'team', Value: 'platform' }])
  await make('Prod/upper')
  return sm
}

describe('ListSecrets filters', () => {
  it('name, tag-key and tag-value are case-sensitive prefix matches', async () => {
    const sm = await fixture()
    assert.deepEqual(names(await sm.aws('ListSecrets', { Filters: [{ Key: 'name', Values: ['prod/'] }] })), [
      'prod/db',
      'prod/api',
    ])
    assert.deepEqual(names(await sm.aws('ListSecrets', { Filters: [{ Key: 'tag-key', Values: ['te'] }] })), [
      'prod/db',
      'dev/db',
    ])
    assert.deepEqual(
      names(await sm.aws('ListSecrets', { Filters: [{ Key: 'tag-value', Values: ['pay', 'plat'] }] })),
      ['prod/db', 'dev/db'],
    )
    assert.deepEqual(
      names(await sm.aws('ListSecrets', { Filters: [{ Key: 'tag-value', Values: ['Pay'] }] })),
      [],
    )
  })

  it('description ignores case; all matches words across attributes; filters combine with AND', async () => {
    const sm = await fixture()
    assert.deepEqual(
      names(await sm.aws('ListSecrets', { Filters: [{ Key: 'description', Values: ['main'] }] })),
      ['prod/db'],
    )
    assert.deepEqual(
      names(await sm.aws('ListSecrets', { Filters: [{ Key: 'all', Values: ['DATABASE'] }] })),
      ['prod/db', 'dev/db'],
    )
    assert.deepEqual(
      names(
        await sm.aws('ListSecrets', {
          Filters: [
            { Key: 'name', Values: ['prod/'] },
            { Key: 'tag-key', Values: ['team'] },
          ],
        }),
      ),
      ['prod/db'],
    )
  })

  // AWS's rule for search words: split at anything not a letter or digit, between letters and digits, and where
  // lowercase follows uppercase (COMPANYthings is COMPAN + Ythings); a value's words must each begin some word.
  it('all and description match the beginnings of words, split as AWS splits them, every word of the value', async () => {
    const sm = await makeSm()
    const make = async (Name: string, Description?: string, Tags?: { Key: string; Value: string }[]) => {
      await sm.aws('CreateSecret', { Name, Description, Tags, SecretString: 'v' })
      sm.tick(1000)
    }
    await make('svc/PaymentsAPIKey', 'one and two')
    await make('build-2024release', 'one', [{ Key: 'OwnerTeam', Value: 'x' }])
    await make('uat/COMPANYthings', 'two')
    await make('uat/COMPANY', 'unrelated')
    const all = async (...Values: string[]) =>
      names(await sm.aws('ListSecrets', { Filters: [{ Key: 'all', Values }] }))
    assert.deepEqual(await all('api'), ['svc/PaymentsAPIKey'])
    assert.deepEqual(await all('paymentskey'), [])
    assert.deepEqual(await all('PaymentsKey'), ['svc/PaymentsAPIKey'])
    assert.deepEqual(await all('ikey'), [])
    assert.deepEqual(await all('2024'), ['build-2024release'])
    assert.deepEqual(await all('rel'), ['build-2024release'])
    assert.deepEqual(await all('024'), [])
    assert.deepEqual(await all('team'), ['build-2024release'])
    assert.deepEqual(await all('company'), ['uat/COMPANY'])
    assert.deepEqual(await all('Ythings'), ['uat/COMPANYthings'])
    assert.deepEqual(await all('things'), [])
    assert.deepEqual(await all('uat pany'), [])
    // A value without a letter or digit has no word to look for.
    assert.deepEqual(await all('+'), [])
    assert.deepEqual(await all('/', 'uat'), ['uat/COMPANYthings', 'uat/COMPANY'])
    const description = async (...Values: string[]) =>
      names(await sm.aws('ListSecrets', { Filters: [{ Key: 'description', Values }] }))
    assert.deepEqual(await description('t'), ['svc/PaymentsAPIKey', 'uat/COMPANYthings'])
    assert.deepEqual(await description('TWO one'), ['svc/PaymentsAPIKey'])
    assert.deepEqual(await description('o t'), ['svc/PaymentsAPIKey'])
    assert.deepEqual(await description('one three'), [])
    // Two filters on the same key both apply.
    assert.deepEqual(
      names(
        await sm.aws('ListSecrets', {
          Filters: [
            { Key: 'description', Values: ['one'] },
            { Key: 'description', Values: ['two'] },
          ],
        }),
      ),
      ['svc/PaymentsAPIKey'],
    )
  })

  it('values within a filter are alternatives, a negated one included', async () => {
    const sm = await makeSm()
    for (const [Name, Description] of [
      ['both', 'one two'],
      ['first', 'one'],
      ['second', 'two'],
      ['neither', 'unrelated'],
    ]) {
      await sm.aws('CreateSecret', { Name, Description, SecretString: 'v' })
      sm.tick(1000)
    }
    const description = async (...Values: string[]) =>
      names(await sm.aws('ListSecrets', { Filters: [{ Key: 'description', Values }] }))
    assert.deepEqual(await description('one', '!two'), ['both', 'first', 'neither'])
    assert.deepEqual(await description('!o'), ['second', 'neither'])
  })

  it('a leading ! negates (the CLI example: prod/ secrets without a team tag)', async () => {
    const sm = await fixture()
    const out = await sm.aws('ListSecrets', {
      Filters: [
        { Key: 'name', Values: ['prod/'] },
        { Key: 'tag-key', Values: ['!team'] },
      ],
    })
    assert.deepEqual(names(out), ['prod/api'])
  })

  it('refuses unknown keys and bad values', async () => {
    const sm = await fixture()
    assert.equal(
      (await awsError(sm.aws('ListSecrets', { Filters: [{ Key: 'colour', Values: ['x'] }] }))).type,
      'ValidationException',
    )
    assert.equal(
      (await awsError(sm.aws('ListSecrets', { Filters: [{ Key: 'name', Values: ['a*b'] }] }))).type,
      'InvalidParameterException',
    )
    assert.equal(
      (await awsError(sm.aws('ListSecrets', { Filters: [{ Key: 'name', Values: [] }] }))).type,
      'ValidationException',
    )
    // Key and Values are optional in the model, so leaving one out is the service's error, not a validation one.
    assert.deepEqual(await awsError(sm.aws('ListSecrets', { Filters: [{ Values: ['x'] }] })), {
      type: 'InvalidParameterException',
      message: 'Invalid filter key',
    })
    assert.deepEqual(await awsError(sm.aws('ListSecrets', { Filters: [{ Key: 'description' }] })), {
      type: 'InvalidParameterException',
      message: 'Invalid filter values for key: description',
    })
  })

  it('entries carry SecretVersionsToStages and no values; planned deletions only on request', async () => {
    const sm = await fixture()
    await sm.aws('DeleteSecret', { SecretId: 'dev/db' })
    const out = await sm.aws('ListSecrets', {})
    assert.deepEqual(names(out), ['prod/db', 'prod/api', 'Prod/upper'])
    const entry = (out['SecretList'] as Entry[])[0]!
    assert.equal(Object.keys(entry['SecretVersionsToStages'] as object).length, 1)
    assert.ok(!JSON.stringify(out).includes('SecretString'))
    assert.deepEqual(names(await sm.aws('ListSecrets', { IncludePlannedDeletion: true })).length, 4)
  })
})

describe('ListSecrets pagination and order', () => {
  it('pages through 250 secrets with MaxResults and NextToken: each exactly once, in order', async () => {
    const sm = await makeSm()
    const all: string[] = []
    for (let i = 0; i < 250; i++) {
      const name = `s${String(i).padStart(3, '0')}`
      all.push(name)
      await sm.aws('CreateSecret', { Name: name })
      sm.tick(1)
    }
    for (const max of [1, 7, 100]) {
      const seen: string[] = []
      let next: unknown
      let pages = 0
      do {
        const out = await sm.aws('ListSecrets', { MaxResults: max, ...(next ? { NextToken: next } : {}) })
        seen.push(...names(out))
        next = out['NextToken']
        pages++
      } while (next)
      assert.deepEqual(seen, all, `MaxResults ${max}`)
      assert.equal(pages, Math.ceil(250 / max))
    }
  })

  it('a secret created or deleted between pages neither repeats nor shifts the others', async () => {
    const sm = await makeSm()
    for (let i = 0; i < 10; i++) {
      await sm.aws('CreateSecret', { Name: `s${i}` })
      sm.tick(1)
    }
    const first = await sm.aws('ListSecrets', { MaxResults: 4 })
    await sm.aws('DeleteSecret', { SecretId: 's0', ForceDeleteWithoutRecovery: true })
    await sm.aws('CreateSecret', { Name: 'late' })
    const rest: string[] = []
    let next = first['NextToken']
    while (next) {
      const out = await sm.aws('ListSecrets', { MaxResults: 4, NextToken: next })
      rest.push(...names(out))
      next = out['NextToken']
    }
    assert.deepEqual(
      [...names(first), ...rest],
      ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 'late'],
    )
  })

  it('sorts by name or date in either order; a token from another sort or garbage is InvalidNextTokenException', async () => {
    const sm = await fixture()
    assert.deepEqual(names(await sm.aws('ListSecrets', { SortBy: 'name' })), [
      'Prod/upper',
      'dev/db',
      'prod/api',
      'prod/db',
    ])
    assert.deepEqual(names(await sm.aws('ListSecrets', { SortOrder: 'desc' })), [
      'Prod/upper',
      'dev/db',
      'prod/api',
      'prod/db',
    ])
    const page = await sm.aws('ListSecrets', { MaxResults: 1 })
    assert.equal(
      (await awsError(sm.aws('ListSecrets', { SortBy: 'name', NextToken: page['NextToken'] }))).type,
      'InvalidNextTokenException',
    )
    assert.equal(
      (await awsError(sm.aws('ListSecrets', { NextToken: 'xyz' }))).type,
      'InvalidNextTokenException',
    )
    assert.equal((await awsError(sm.aws('ListSecrets', { MaxResults: 101 }))).type, 'ValidationException')
    assert.equal((await awsError(sm.aws('ListSecrets', { SortOrder: 'up' }))).type, 'ValidationException')
  })

  it('a forged NextToken whose cursor is not a name or a date is InvalidNextTokenException, never an internal error', async () => {
    const sm = await fixture()
    const forged = (sort: string, after: unknown) =>
      Buffer.from(JSON.stringify({ sort, after })).toString('base64url')
    const unconvertible = { toString: 1, valueOf: 1 }
    for (const [sort, SortBy, after] of [
      ['created-date:asc', undefined, [unconvertible, 'x']],
      ['created-date:asc', undefined, [null, 'x']],
      ['created-date:asc', undefined, ['2026-01-01', 'x']],
      ['created-date:asc', undefined, [1, 'x', 'extra']],
      ['created-date:asc', undefined, [1, 2]],
      ['name:asc', 'name', [1, 'x']],
      ['name:asc', 'name', [[], 'x']],
    ] as const) {
      const input = { NextToken: forged(sort, after), ...(SortBy ? { SortBy } : {}) }
      // BatchGetSecretValue's Filters form pages through this same ListSecrets (http/aws/batch-get.ts).
      assert.equal((await awsError(sm.aws('ListSecrets', input))).type, 'InvalidNextTokenException', sort)
    }
    // A well-formed cursor is a position, wherever it falls.
    const tail = await sm.aws('ListSecrets', {
      SortBy: 'name',
      NextToken: forged('name:asc', ['dev/zz', 'dev/zz']),
    })
    assert.deepEqual(names(tail), ['prod/api', 'prod/db'])
  })

  it('SortBy last-accessed-date orders by the day of the last read, never-read secrets first', async () => {
    const sm = await makeSm()
    for (const name of ['a', 'b', 'c']) await sm.aws('CreateSecret', { Name: name, SecretString: 'v' })
    await sm.aws('GetSecretValue', { SecretId: 'c' })
    sm.tick(DAY)
    await sm.aws('GetSecretValue', { SecretId: 'a' })
    const sorted = (order: string) =>
      sm.aws('ListSecrets', { SortBy: 'last-accessed-date', SortOrder: order })
    assert.deepEqual(names(await sorted('asc')), ['b', 'c', 'a'])
    assert.deepEqual(names(await sorted('desc')), ['a', 'c', 'b'])
  })
})
