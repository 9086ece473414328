// Parameter Store actions in process, routed as the adapter routes them: happy paths, AWS's errors, pagination.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { awsError, makeSsm, START } from './test-helpers.ts'

describe('ssm engine: put and get', () => {
  it('creates version 1, refuses a second put without Overwrite, and adds versions with it', async () => {
    const h = await makeSsm()
    assert.deepEqual(await h.aws('PutParameter', { Name: '/prod/app/db', Value: 'one', Type: 'String' }), {
      Version: 1,
      Tier: 'Standard',
    })
    const again = await awsError(
      h.aws('PutParameter', { Name: '/prod/app/db', Value: 'two', Type: 'String' }),
    )
    assert.equal(again.type, 'ParameterAlreadyExists')
    assert.equal(
      (await h.aws('PutParameter', { Name: '/prod/app/db', Value: 'two', Overwrite: true }))['Version'],
      2,
    )
    const got = (await h.aws('GetParameter', { Name: '/prod/app/db' }))['Parameter'] as Record<
      string,
      unknown
    >
    assert.deepEqual(got, {
      Name: '/prod/app/db',
      Type: 'String',
      Value: 'two',
      Version: 2,
      LastModifiedDate: START / 1000,
      ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/prod/app/db',
      DataType: 'text',
    })
    const v1 = (await h.aws('GetParameter', { Name: '/prod/app/db:1' }))['Parameter'] as Record<
      string,
      unknown
    >
    assert.equal(v1['Value'], 'one')
    assert.equal(v1['Selector'], ':1')
    const byArn = await h.aws('GetParameter', {
      Name: 'arn:aws:ssm:us-east-1:000000000000:parameter/prod/app/db',
    })
    assert.equal((byArn['Parameter'] as Record<string, unknown>)['Value'], 'two')
  })

  it('answers AWS errors for missing parameters, versions and labels', async () => {
    const h = await makeSsm()
    assert.deepEqual(await awsError(h.aws('GetParameter', { Name: '/nope' })), {
      type: 'ParameterNotFound',
      message: 'Parameter /nope not found.',
    })
    await h.aws('PutParameter', { Name: '/a', Value: 'x', Type: 'String' })
    assert.equal((await awsError(h.aws('GetParameter', { Name: '/a:7' }))).type, 'ParameterVersionNotFound')
    assert.equal((await awsError(h.aws('GetParameter', { Name: '/a:nolabel' }))).type, 'ParameterNotFound')
    assert.equal((await awsError(h.aws('GetParameter', {}))).type, 'ValidationException')
  })

  it('answers a malformed name (a bare trailing colon, a character no name has) with ValidationException, as AWS does', async () => {
    const h = await makeSsm()
    await h.aws('PutParameter', { Name: '/x', Value: 'v', Type: 'String' })
    for (const Name of ['/x:', '{test}-test', '/x y']) {
      const refused = await awsError(h.aws('GetParameter', { Name }))
      assert.equal(refused.type, 'ValidationException', Name)
      assert.match(refused.message, /^Parameter name: can't be prefixed with "ssm"/)
    }
    assert.equal(
      ((await h.aws('GetParameter', { Name: '/x:1' }))['Parameter'] as { Value: string }).Value,
      'v',
    )
  })

  it('refuses an empty Policies string (model length 1 to 4096) and stores nothing', async () => {
    const h = await makeSsm()
    assert.deepEqual(
      await awsError(h.aws('PutParameter', { Name: '/p', Value: 'v', Type: 'String', Policies: '' })),
      {
        type: 'ValidationException',
        message:
          "1 validation error detected: Value at 'policies' failed to satisfy constraint: Member must have length greater than or equal to 1",
      },
    )
    assert.equal((await awsError(h.aws('GetParameter', { Name: '/p' }))).type, 'ParameterNotFound')
    assert.equal(
      (await h.aws('PutParameter', { Name: '/p', Value: 'v', Type: 'String', Policies: '[]' }))['Version'],
      1,
    )
  })

  it('validates names, types, patterns, tiers, data types and key IDs as AWS does', async () => {
    const h = await makeSsm()
    const put = (input: Record<string, unknown>) =>
      awsError(h.aws('PutParameter', { Value: 'v', Type: 'String', ...input }))
    assert.equal(
      (await put({ Name: '/x', Type: undefined })).message,
      'A parameter type is required when you create a parameter.',
    )
    assert.equal((await put({ Name: '/x', Type: 'Number' })).type, 'ValidationException')
    assert.equal((await put({ Name: 'a/b' })).message, 'Parameter name must be a fully qualified name.')
    assert.equal((await put({ Name: '/a b' })).type, 'ValidationException')
    assert.equal(
      (await put({ Name: `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}` })).type,
      'HierarchyLevelLimitExceededException',
    )
    assert.equal((await put({ Name: 'awsThing' })).type, 'ValidationException')
    assert.equal((await put({ Name: '/aws/thing' })).type, 'AccessDeniedException')
    assert.equal((await put({ Name: '/ssm/thing' })).type, 'ValidationException')
    assert.deepEqual(await put({ Name: '/num', AllowedPattern: '^\\d+$' }), {
      type: 'ParameterPatternMismatchException',
      message: 'Parameter value, cannot be validated against allowedPattern: ^\\d+$',
    })
    assert.equal((await put({ Name: '/re', AllowedPattern: '(' })).type, 'InvalidAllowedPatternException')
    // Outside the model's pattern is the request's fault; a well-formed ID that names no key is InvalidKeyId.
    assert.deepEqual(await put({ Name: '/k', Type: 'SecureString', KeyId: 'not a key' }), {
      type: 'ValidationException',
      message:
        "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must satisfy regular " +
        'expression pattern: ^([a-zA-Z0-9:/_-]+)$',
    })
    assert.equal((await put({ Name: '/k', Type: 'SecureString', KeyId: 'notakey' })).type, 'InvalidKeyId')
    assert.equal((await put({ Name: '/k', KeyId: 'alias/aws/ssm' })).type, 'ValidationException')
    assert.equal((await put({ Name: '/d', DataType: 'Text' })).type, 'ValidationException')
    assert.equal((await put({ Name: '/big', Value: 'x'.repeat(4097) })).type, 'ValidationException')
    assert.equal((await put({ Name: '/t', Tier: 'Premium' })).type, 'ValidationException')
    assert.equal((await put({ Name: '/e', Value: '' })).type, 'ValidationException')
    const tagged = await put({ Name: '/tg', Overwrite: true, Tags: [{ Key: 'a', Value: 'b' }] })
    assert.match(tagged.message, /tags and overwrite can't be used together/)
  })

  it('never changes a parameter to or from the aws:ec2:image data type, which AWS does not allow', async () => {
    const h = await makeSsm()
    await h.aws('PutParameter', { Name: '/txt', Value: 'ami-0abc', Type: 'String' })
    await h.aws('PutParameter', {
      Name: '/ami',
      Value: 'ami-0abc',
      Type: 'String',
      DataType: 'aws:ec2:image',
    })
    for (const [Name, DataType] of [
      ['/txt', 'aws:ec2:image'],
      ['/ami', 'text'],
    ] as const) {
      const changed = await awsError(
        h.aws('PutParameter', { Name, Value: 'ami-0def', Overwrite: true, DataType }),
      )
      assert.equal(changed.type, 'ValidationException')
      const history = await h.aws('GetParameterHistory', { Name })
      assert.equal((history['Parameters'] as unknown[]).length, 1)
    }
    // Naming the data type it already has, or none, is no change.
    await h.aws('PutParameter', {
      Name: '/ami',
      Value: 'ami-0def',
      Overwrite: true,
      DataType: 'aws:ec2:image',
    })
    await h.aws('PutParameter', { Name: '/txt', Value: 'plain', Overwrite: true, DataType: 'text' })
    const ami = await h.aws('GetParameter', { Name: '/ami' })
    assert.equal((ami['Parameter'] as Record<string, unknown>)['DataType'], 'aws:ec2:image')
  })

  it('refuses an AllowedPattern that backtracks without end, and stores nothing', async () => {
    const h = await makeSsm()
    // Exponential in the value's length for a backtracking engine: 2^40 steps would hold the server for hours.
    const hostile = { Name: '/redos', Type: 'String', Value: `${'a'.repeat(40)}!`, AllowedPattern: '^(a+)+$' }
    assert.equal((await awsError(h.aws('PutParameter', hostile))).type, 'InvalidAllowedPatternException')
    assert.equal((await awsError(h.aws('GetParameter', { Name: '/redos' }))).type, 'ParameterNotFound')
    // The same pattern decides a value it matches at once.
    const honest = await h.aws('PutParameter', { ...hostile, Value: 'aaaa' })
    assert.equal(honest['Version'], 1)
  })

  it('keeps AllowedPattern for later versions, and picks tiers (Intelligent-Tiering, no downgrade)', async () => {
    const h = await makeSsm()
    await h.aws('PutParameter', { Name: '/n', Value: '12', Type: 'String', AllowedPattern: '^\\d+$' })
    assert.equal(
      (await awsError(h.aws('PutParameter', { Name: '/n', Value: 'ab', Overwrite: true }))).type,
      'ParameterPatternMismatchException',
    )
    const big = 'x'.repeat(5000)
    assert.equal(
      (
        await h.aws('PutParameter', { Name: '/big', Value: big, Type: 'String', Tier: 'Intelligent-Tiering' })
      )['Tier'],
      'Advanced',
    )
    assert.equal(
      (
        await h.aws('PutParameter', {
          Name: '/small',
          Value: 's',
          Type: 'String',
          Tier: 'Intelligent-Tiering',
        })
      )['Tier'],
      'Standard',
    )
    const down = await awsError(
      h.aws('PutParameter', { Name: '/big', Value: 's', Overwrite: true, Tier: 'Standard' }),
    )
    assert.equal(down.type, 'ValidationException')
    assert.equal(
      (await h.aws('PutParameter', { Name: '/big', Value: 's', Overwrite: true }))['Tier'],
      'Advanced',
    )
  })
})

describe('ssm engine: SecureString', () => {
  it('answers the value only WithDecryption; otherwise an opaque base64 stand-in that is stable per version', async () => {
    const h = await makeSsm()
    await h.aws('PutParameter', { Name: '/prod/app/db', Value: 'hunter2', Type: 'SecureString' })
    const clear = (await h.aws('GetParameter', { Name: '/prod/app/db', WithDecryption: true }))[
      'Parameter'
    ] as Record<string, unknown>
    assert.equal(clear['Value'], 'hunter2')
    const masked = (await h.aws('GetParameter', { Name: '/prod/app/db' }))['Parameter'] as Record<
      string,
      unknown
    >
    assert.notEqual(masked['Value'], 'hunter2')
    assert.match(String(masked['Value']), /^[A-Za-z0-9+/]{64}$/)
    assert.ok(!Buffer.from(String(masked['Value']), 'base64').toString('latin1').includes('hunter2'))
    const again = (await h.aws('GetParameter', { Name: '/prod/app/db' }))['Parameter'] as Record<
      string,
      unknown
    >
    assert.equal(again['Value'], masked['Value'])
    const meta = (await h.aws('DescribeParameters', {}))['Parameters'] as Record<string, unknown>[]
    assert.equal(meta[0]!['KeyId'], 'alias/aws/ssm')
    const history = (await h.aws('GetParameterHistory', { Name: '/prod/app/db' }))['Parameters'] as Record<
      string,
      unknown
    >[]
    assert.equal(history[0]!['Value'], masked['Value'])
  })
})

describe('ssm engine: many parameters', () => {
  async function seeded() {
    const h = await makeSsm()
    for (const name of [
      '/prod/app/db',
      '/prod/app/url',
      '/prod/app/deep/key',
      '/prod/other',
      '/dev/app/db',
      'plain',
    ])
      await h.aws('PutParameter', {
        Name: name,
        Value: `v:${name}`,
        Type: name.endsWith('db') ? 'SecureString' : 'String',
      })
    return h
  }

  it('GetParameters answers found ones and lists the rest in InvalidParameters', async () => {
    const h = await seeded()
    const out = await h.aws('GetParameters', {
      Names: ['/prod/app/url', '/missing', '/prod/app/db:9'],
      WithDecryption: true,
    })
    assert.deepEqual(
      (out['Parameters'] as Record<string, unknown>[]).map((p) => p['Value']),
      ['v:/prod/app/url'],
    )
    assert.deepEqual(out['InvalidParameters'], ['/missing', '/prod/app/db:9'])
    assert.equal(
      (await awsError(h.aws('GetParameters', { Names: Array.from({ length: 11 }, (_, i) => `/p${i}`) })))
        .type,
      'ValidationException',
    )
  })

  it('GetParametersByPath: one level, recursive, filters and pages of MaxResults', async () => {
    const h = await seeded()
    const names = (out: Record<string, unknown>) =>
      (out['Parameters'] as Record<string, unknown>[]).map((p) => p['Name'])
    assert.deepEqual(names(await h.aws('GetParametersByPath', { Path: '/prod/app' })), [
      '/prod/app/db',
      '/prod/app/url',
    ])
    assert.deepEqual(names(await h.aws('GetParametersByPath', { Path: '/prod', Recursive: true })), [
      '/prod/app/db',
      '/prod/app/deep/key',
      '/prod/app/url',
      '/prod/other',
    ])
    const typed = await h.aws('GetParametersByPath', {
      Path: '/',
      Recursive: true,
      ParameterFilters: [{ Key: 'Type', Values: ['SecureString'] }],
      WithDecryption: true,
    })
    assert.deepEqual(names(typed), ['/dev/app/db', '/prod/app/db'])
    assert.equal((typed['Parameters'] as Record<string, unknown>[])[0]!['Value'], 'v:/dev/app/db')
    const seen: unknown[] = []
    let token: unknown
    let pages = 0
    do {
      const page = await h.aws('GetParametersByPath', {
        Path: '/prod',
        Recursive: true,
        MaxResults: 3,
        ...(token ? { NextToken: token } : {}),
      })
      seen.push(...names(page))
      token = page['NextToken']
      pages++
    } while (token)
    assert.equal(pages, 2)
    assert.equal(seen.length, 4)
    assert.equal(
      (await awsError(h.aws('GetParametersByPath', { Path: '/prod', NextToken: 'garbage' }))).type,
      'InvalidNextToken',
    )
    assert.equal(
      (
        await awsError(
          h.aws('GetParametersByPath', { Path: '/prod', ParameterFilters: [{ Key: 'Name', Values: ['x'] }] }),
        )
      ).type,
      'InvalidFilterKey',
    )
    assert.equal(
      (await awsError(h.aws('GetParametersByPath', { Path: '/prod', MaxResults: 11 }))).type,
      'ValidationException',
    )
  })

  it('the root / holds one-level names with or without a leading slash, as names compare with one', async () => {
    const h = await seeded()
    await h.aws('PutParameter', { Name: '/top', Value: 't', Type: 'String' })
    const names = (out: Record<string, unknown>) =>
      (out['Parameters'] as Record<string, unknown>[]).map((p) => p['Name'])
    const root = await h.aws('GetParametersByPath', { Path: '/' })
    assert.deepEqual(names(root), ['/top', 'plain'])
    assert.deepEqual(
      (root['Parameters'] as Record<string, unknown>[]).map((p) => p['Value']),
      ['t', 'v:plain'],
    )
    assert.equal(names(await h.aws('GetParametersByPath', { Path: '/', Recursive: true })).length, 7)
    const described = (filter: Record<string, unknown>) =>
      h.aws('DescribeParameters', { ParameterFilters: [filter] }).then(names)
    assert.deepEqual(await described({ Key: 'Path', Values: ['/'] }), ['/top', 'plain'])
    assert.equal((await described({ Key: 'Path', Option: 'Recursive', Values: ['/'] })).length, 7)
    assert.deepEqual(await described({ Key: 'Name', Option: 'Contains', Values: ['/pla'] }), ['plain'])
    assert.deepEqual(await described({ Key: 'Name', Values: ['/plain'] }), ['plain'])
    assert.deepEqual(await described({ Key: 'Name', Values: ['top'] }), ['/top'])
  })

  it('filters take BeginsWith on every key but Path and Label; GetParametersByPath takes only Type, KeyId and Label', async () => {
    const h = await seeded()
    const names = (out: Record<string, unknown>) =>
      (out['Parameters'] as Record<string, unknown>[]).map((p) => p['Name'])
    const described = (filter: Record<string, unknown>) =>
      h.aws('DescribeParameters', { ParameterFilters: [filter] }).then(names)
    assert.deepEqual(await described({ Key: 'Type', Option: 'BeginsWith', Values: ['Secure'] }), [
      '/dev/app/db',
      '/prod/app/db',
    ])
    assert.deepEqual(await described({ Key: 'KeyId', Option: 'BeginsWith', Values: ['alias/'] }), [
      '/dev/app/db',
      '/prod/app/db',
    ])
    assert.equal((await described({ Key: 'Tier', Option: 'BeginsWith', Values: ['Stand'] })).length, 6)
    assert.equal((await described({ Key: 'DataType', Option: 'BeginsWith', Values: ['te'] })).length, 6)
    const byPath = await h.aws('GetParametersByPath', {
      Path: '/prod',
      Recursive: true,
      ParameterFilters: [{ Key: 'Type', Option: 'BeginsWith', Values: ['String'] }],
    })
    assert.deepEqual(names(byPath), ['/prod/app/deep/key', '/prod/app/url', '/prod/other'])
    for (const Key of ['DataType', 'tag:team', 'Tier'])
      assert.deepEqual(
        await awsError(
          h.aws('GetParametersByPath', { Path: '/prod', ParameterFilters: [{ Key, Values: ['x'] }] }),
        ),
        {
          type: 'InvalidFilterKey',
          message: `The following filter key is not valid: ${Key}. Valid filter keys include: [Type, KeyId, Label].`,
        },
      )
    const label = await awsError(
      h.aws('GetParametersByPath', {
        Path: '/prod',
        ParameterFilters: [{ Key: 'Label', Option: 'BeginsWith', Values: ['x'] }],
      }),
    )
    assert.equal(label.type, 'InvalidFilterOption')
  })

  it('filters break the model (key pattern, option length, 1 to 50 values) as ValidationException, all at once', async () => {
    const h = await makeSsm()
    const refused = (ParameterFilters: unknown[]) =>
      awsError(h.aws('DescribeParameters', { ParameterFilters }))
    assert.deepEqual(await refused([{ Key: 'key' }]), {
      type: 'ValidationException',
      message:
        "1 validation error detected: Value at 'parameterFilters.1.member.key' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType',
    })
    const two = await refused([{ Key: 'Name', Option: 'over 10 chars' }, { Key: `tag:${'t'.repeat(129)}` }])
    assert.equal(two.type, 'ValidationException')
    assert.equal(
      two.message,
      "2 validation errors detected: Value at 'parameterFilters.1.member.option' failed to satisfy constraint: " +
        "Member must have length less than or equal to 10; Value at 'parameterFilters.2.member.key' failed to " +
        'satisfy constraint: Member must have length less than or equal to 132',
    )
    assert.match(
      (await refused([{ Key: 'Name', Values: Array(51).fill('n') }])).message,
      /'parameterFilters\.1\.member\.values' .* less than or equal to 50$/,
    )
    assert.match(
      (await refused([{ Key: 'Name', Values: ['t'.repeat(1025)] }])).message,
      /less than or equal to 1024, Member must have length greater than or equal to 1\]$/,
    )
    assert.deepEqual(await refused([{ Key: 'Type', Values: ['text'] }]), {
      type: 'InvalidFilterValue',
      message:
        'The following filter value is not valid: text. Valid values include: [String, StringList, SecureString].',
    })
    assert.equal((await refused([{ Key: 'Tier', Values: ['Gold'] }])).type, 'InvalidFilterValue')
    assert.deepEqual(await refused([{ Key: 'Label', Values: ['x'] }]), {
      type: 'InvalidFilterKey',
      message:
        'The following filter key is not valid: Label. Valid filter keys include: [Path, Name, Type, KeyId, Tier, DataType].',
    })
    for (const path of ['/###', '//', 'test', '/a//b']) {
      const bad = await refused([{ Key: 'Path', Values: [path] }])
      assert.equal(bad.type, 'ValidationException')
      assert.match(
        bad.message,
        /must begin with a forward slash .* Valid example: \/get\/parameters2-\/by1\.\/path0_\.$/,
      )
    }
    assert.deepEqual(
      await h.aws('DescribeParameters', { ParameterFilters: [{ Key: 'Path', Values: ['/a/'] }] }),
      {
        Parameters: [],
      },
    )
  })

  it('DescribeParameters with Shared: true lists only parameters shared by other accounts (none here)', async () => {
    const h = await makeSsm()
    await h.aws('PutParameter', { Name: '/own/a', Value: 'x', Type: 'String' })
    assert.deepEqual(await h.aws('DescribeParameters', { Shared: true }), { Parameters: [] })
    assert.equal(
      ((await h.aws('DescribeParameters', { Shared: false }))['Parameters'] as unknown[]).length,
      1,
    )
    assert.equal((await awsError(h.aws('DescribeParameters', { Shared: 'yes' }))).type, 'ValidationException')
  })

  it('DescribeParameters: filters on Name, Type, Path and the older Filters, pages of MaxResults, never values', async () => {
    const h = await seeded()
    const names = (out: Record<string, unknown>) =>
      (out['Parameters'] as Record<string, unknown>[]).map((p) => p['Name'])
    const all = await h.aws('DescribeParameters', {})
    assert.equal(names(all).length, 6)
    assert.ok((all['Parameters'] as Record<string, unknown>[]).every((p) => !('Value' in p)))
    assert.deepEqual(
      names(
        await h.aws('DescribeParameters', {
          ParameterFilters: [{ Key: 'Path', Option: 'OneLevel', Values: ['/prod'] }],
        }),
      ),
      ['/prod/other'],
    )
    assert.deepEqual(
      names(
        await h.aws('DescribeParameters', {
          ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/dev'] }],
        }),
      ),
      ['/dev/app/db'],
    )
    assert.deepEqual(
      names(await h.aws('DescribeParameters', { Filters: [{ Key: 'Type', Values: ['SecureString'] }] })),
      ['/dev/app/db', '/prod/app/db'],
    )
    const both = await awsError(h.aws('DescribeParameters', { Filters: [], ParameterFilters: [] }))
    assert.equal(both.message, 'You can use either Filters or ParameterFilters in a single request.')
    assert.equal(
      (
        await awsError(
          h.aws('DescribeParameters', {
            ParameterFilters: [{ Key: 'Type', Option: 'Contains', Values: ['x'] }],
          }),
        )
      ).type,
      'InvalidFilterOption',
    )
    const first = await h.aws('DescribeParameters', { MaxResults: 4 })
    const second = await h.aws('DescribeParameters', { MaxResults: 4, NextToken: first['NextToken'] })
    assert.deepEqual([...names(first), ...names(second)], names(all))
    assert.equal(second['NextToken'], undefined)
  })

  it('DeleteParameter and DeleteParameters', async () => {
    const h = await seeded()
    assert.deepEqual(await h.aws('DeleteParameter', { Name: '/prod/other' }), {})
    assert.equal(
      (await awsError(h.aws('DeleteParameter', { Name: '/prod/other' }))).type,
      'ParameterNotFound',
    )
    assert.deepEqual(await h.aws('DeleteParameters', { Names: ['/dev/app/db', '/gone', 'plain'] }), {
      DeletedParameters: ['/dev/app/db', 'plain'],
      InvalidParameters: ['/gone'],
    })
    assert.equal((await awsError(h.aws('GetParameter', { Name: 'plain' }))).type, 'ParameterNotFound')
  })
})

describe('ssm engine: versions, labels and history', () => {
  it('moves a label to the version named, keeps 10 per version and refuses bad syntax as InvalidLabels', async () => {
    const h = await makeSsm()
    for (let i = 1; i <= 3; i++)
      await h.aws('PutParameter', { Name: '/l', Value: `v${i}`, Type: 'String', Overwrite: i > 1 })
    assert.deepEqual(
      await h.aws('LabelParameterVersion', {
        Name: '/l',
        ParameterVersion: 1,
        Labels: ['prod', '1bad', 'awsx'],
      }),
      {
        InvalidLabels: ['1bad', 'awsx'],
        ParameterVersion: 1,
      },
    )
    assert.equal(
      ((await h.aws('GetParameter', { Name: '/l:prod' }))['Parameter'] as Record<string, unknown>)['Value'],
      'v1',
    )
    await h.aws('LabelParameterVersion', { Name: '/l', Labels: ['prod'] })
    const history = (await h.aws('GetParameterHistory', { Name: '/l' }))['Parameters'] as Record<
      string,
      unknown
    >[]
    assert.deepEqual(
      history.map((v) => v['Labels']),
      [[], [], ['prod']],
    )
    const ten = Array.from({ length: 10 }, (_, i) => `l${i}`)
    await h.aws('LabelParameterVersion', { Name: '/l', ParameterVersion: 2, Labels: ten })
    const limit = await awsError(
      h.aws('LabelParameterVersion', { Name: '/l', ParameterVersion: 2, Labels: ['one-more'] }),
    )
    assert.equal(limit.type, 'ParameterVersionLabelLimitExceeded')
    assert.equal(
      (await awsError(h.aws('LabelParameterVersion', { Name: '/l', ParameterVersion: 9, Labels: ['x'] })))
        .type,
      'ParameterVersionNotFound',
    )
    // A constraint on each member of the list, worded as AWS words one.
    assert.deepEqual(
      await awsError(h.aws('LabelParameterVersion', { Name: '/l', Labels: ['x'.repeat(101)] })),
      {
        type: 'ValidationException',
        message:
          "1 validation error detected: Value at 'labels' failed to satisfy constraint: Member must satisfy " +
          'constraint: [Member must have length less than or equal to 100, Member must have length greater than or ' +
          'equal to 1]',
      },
    )
    assert.deepEqual(
      await h.aws('UnlabelParameterVersion', { Name: '/l', ParameterVersion: 3, Labels: ['prod', 'l0'] }),
      {
        RemovedLabels: ['prod'],
        InvalidLabels: ['l0'],
      },
    )
    assert.equal(
      (await awsError(h.aws('UnlabelParameterVersion', { Name: '/l', Labels: ['x'] }))).type,
      'ValidationException',
    )
  })

  it('keeps 100 versions, dropping the oldest, unless the oldest has a label', async () => {
    const h = await makeSsm()
    await h.aws('PutParameter', { Name: '/h', Value: 'v1', Type: 'String' })
    await h.aws('LabelParameterVersion', { Name: '/h', ParameterVersion: 1, Labels: ['keep'] })
    for (let i = 2; i <= 100; i++)
      await h.aws('PutParameter', { Name: '/h', Value: `v${i}`, Overwrite: true })
    const full = await awsError(h.aws('PutParameter', { Name: '/h', Value: 'v101', Overwrite: true }))
    assert.equal(full.type, 'ParameterMaxVersionLimitExceeded')
    await h.aws('UnlabelParameterVersion', { Name: '/h', ParameterVersion: 1, Labels: ['keep'] })
    assert.equal(
      (await h.aws('PutParameter', { Name: '/h', Value: 'v101', Overwrite: true }))['Version'],
      101,
    )
    const page1 = await h.aws('GetParameterHistory', { Name: '/h', MaxResults: 50 })
    const versions = (page1['Parameters'] as Record<string, unknown>[]).map((v) => v['Version'])
    assert.equal(versions[0], 2)
    assert.equal(versions.length, 50)
    const page2 = await h.aws('GetParameterHistory', {
      Name: '/h',
      MaxResults: 50,
      NextToken: page1['NextToken'],
    })
    assert.equal((page2['Parameters'] as unknown[]).length, 50)
    assert.equal(page2['NextToken'], undefined)
    assert.equal((await awsError(h.aws('GetParameter', { Name: '/h:1' }))).type, 'ParameterVersionNotFound')
  })
})

describe('ssm engine: tags and path checks', () => {
  it('PutParameter keeps a repeated tag key once, with its last value, and at most 50 tags', async () => {
    const h = await makeSsm()
    await h.aws('PutParameter', {
      Name: '/twice',
      Value: 'v',
      Type: 'String',
      Tags: [
        { Key: 'team', Value: 'a' },
        { Key: 'env', Value: 'prod' },
        { Key: 'team', Value: 'b' },
      ],
    })
    assert.deepEqual(
      (await h.aws('ListTagsForResource', { ResourceType: 'Parameter', ResourceId: '/twice' }))['TagList'],
      [
        { Key: 'team', Value: 'b' },
        { Key: 'env', Value: 'prod' },
      ],
    )
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }))
    const put = h.aws('PutParameter', { Name: '/many', Value: 'v', Type: 'String', Tags: many })
    assert.equal((await awsError(put)).type, 'TooManyTagsError')
  })

  it('tag keys and values outside the model pattern are ValidationException, and nothing is tagged', async () => {
    const h = await makeSsm()
    await h.aws('PutParameter', { Name: '/p/a', Value: 'x', Type: 'String' })
    const resource = { ResourceType: 'Parameter', ResourceId: '/p/a' }
    for (const tag of [
      { Key: 'a;b', Value: 'v' },
      { Key: 'k', Value: 'v<script>' },
      { Key: 'new\nline', Value: 'v' },
    ]) {
      assert.equal(
        (await awsError(h.aws('AddTagsToResource', { ...resource, Tags: [tag] }))).type,
        'ValidationException',
      )
      assert.equal(
        (await awsError(h.aws('PutParameter', { Name: '/p/b', Value: 'x', Type: 'String', Tags: [tag] })))
          .type,
        'ValidationException',
      )
    }
    assert.equal(
      (await awsError(h.aws('RemoveTagsFromResource', { ...resource, TagKeys: ['a;b'] }))).type,
      'ValidationException',
    )
    assert.deepEqual(await h.aws('ListTagsForResource', resource), { TagList: [] })
    assert.equal((await awsError(h.aws('GetParameter', { Name: '/p/b' }))).type, 'ParameterNotFound')
    // Letters and numbers of any script, spaces and _.:/=+-@ are allowed.
    const fine = { Key: 'équipe: a_b.c/d=e+f-g@h 1', Value: 'Zürich 東京' }
    await h.aws('AddTagsToResource', { ...resource, Tags: [fine] })
    assert.deepEqual(await h.aws('ListTagsForResource', resource), { TagList: [fine] })
  })

  it('adds, lists and removes tags of ResourceType Parameter; Tags given on create', async () => {
    const h = await makeSsm()
    await h.aws('PutParameter', {
      Name: '/t',
      Value: 'v',
      Type: 'String',
      Tags: [{ Key: 'team', Value: 'a' }],
    })
    await h.aws('AddTagsToResource', {
      ResourceType: 'Parameter',
      ResourceId: '/t',
      Tags: [
        { Key: 'env', Value: 'prod' },
        { Key: 'team', Value: 'b' },
      ],
    })
    assert.deepEqual(await h.aws('ListTagsForResource', { ResourceType: 'Parameter', ResourceId: '/t' }), {
      TagList: [
        { Key: 'team', Value: 'b' },
        { Key: 'env', Value: 'prod' },
      ],
    })
    await h.aws('RemoveTagsFromResource', { ResourceType: 'Parameter', ResourceId: '/t', TagKeys: ['team'] })
    assert.deepEqual(
      (await h.aws('ListTagsForResource', { ResourceType: 'Parameter', ResourceId: '/t' }))['TagList'],
      [{ Key: 'env', Value: 'prod' }],
    )
    assert.equal(
      (await awsError(h.aws('ListTagsForResource', { ResourceType: 'Document', ResourceId: '/t' }))).type,
      'InvalidResourceType',
    )
    assert.equal(
      (await awsError(h.aws('ListTagsForResource', { ResourceType: 'Parameter', ResourceId: '/none' }))).type,
      'InvalidResourceId',
    )
    const byTag = await h.aws('DescribeParameters', {
      ParameterFilters: [{ Key: 'tag:env', Values: ['prod'] }],
    })
    assert.deepEqual(
      (byTag['Parameters'] as Record<string, unknown>[]).map((p) => p['Name']),
      ['/t'],
    )
  })

  it('refuses an AWS request whose Name is not the parameter of the authorised path', async () => {
    const h = await makeSsm()
    await h.aws('PutParameter', { Name: '/secret/x', Value: 'v', Type: 'String' })
    const smuggled = await awsError(
      h.call(
        'read',
        'parameters/public/y',
        { Name: '/secret/x' },
        { headers: { 'x-amz-target': 'AmazonSSM.GetParameter' } },
      ),
    )
    assert.equal(smuggled.type, 'AccessDeniedException')
    const wrongOp = await awsError(
      h.call(
        'read',
        'parameters/secret/x',
        { Name: '/secret/x', Value: 'w', Overwrite: true },
        { headers: { 'x-amz-target': 'AmazonSSM.PutParameter' } },
      ),
    )
    assert.equal(wrongOp.type, 'AccessDeniedException')
  })

  // The ACL check decides create or update from whether the parameter exists; another writer may change that
  // before the handler runs. The handler acts as the request was authorised, under the parameter's lock.
  it('a Vault write authorised as a create never overwrites; one authorised as an update never re-creates', async () => {
    const h = await makeSsm()
    await h.aws('PutParameter', { Name: '/raced', Value: 'first', Type: 'SecureString' })
    const late = await awsError(h.call('create', 'parameters/raced', { value: 'second' }))
    assert.equal(late.type, 'ParameterAlreadyExists')
    const history = await h.aws('GetParameterHistory', { Name: '/raced' })
    assert.equal((history['Parameters'] as unknown[]).length, 1)
    // An update naming no type keeps the stored one: a SecureString stays one.
    await h.call('update', 'parameters/raced', { value: 'third' })
    const got = await h.aws('GetParameter', { Name: '/raced' })
    assert.equal((got['Parameter'] as Record<string, unknown>)['Type'], 'SecureString')

    await h.aws('DeleteParameter', { Name: '/raced' })
    const gone = await awsError(h.call('update', 'parameters/raced', { value: 'fourth', type: 'String' }))
    assert.equal(gone.type, 'ParameterNotFound')
    assert.equal((await awsError(h.aws('GetParameter', { Name: '/raced' }))).type, 'ParameterNotFound')
  })

  it('serves Vault clients on the same paths: read (decrypted), write, list, delete', async () => {
    const h = await makeSsm()
    await h.aws('PutParameter', { Name: '/prod/app/db', Value: 's3', Type: 'SecureString' })
    assert.equal((await h.call('read', 'parameters/prod/app/db'))?.data?.['Value'], 's3')
    await h.call('update', 'parameters/prod/app/db', { value: 's4' })
    assert.equal((await h.call('read', 'parameters/prod/app/db', { version: 1 }))?.data?.['Value'], 's3')
    assert.deepEqual((await h.call('list', 'parameters/prod/'))?.data?.['keys'], ['app/'])
    await h.call('delete', 'parameters/prod/app/db')
    assert.equal((await awsError(h.aws('GetParameter', { Name: '/prod/app/db' }))).type, 'ParameterNotFound')
  })
})

describe('ssm engine: a one-level name with and without its leading slash', () => {
  const value = async (h: Awaited<ReturnType<typeof makeSsm>>, name: string) =>
    ((await h.aws('GetParameter', { Name: name }))['Parameter'] as Record<string, unknown>)['Value']

  it('finds, versions, labels, tags and deletes /solo by solo and bare by /bare, as AWS does', async () => {
    const h = await makeSsm()
    await h.aws('PutParameter', { Name: '/solo', Value: 'one', Type: 'String' })
    assert.equal(await value(h, 'solo'), 'one')
    const byArn = await h.aws('GetParameter', { Name: 'arn:aws:ssm:us-east-1:000000000000:parameter/solo' })
    assert.equal((byArn['Parameter'] as Record<string, unknown>)['Name'], '/solo')
    assert.equal(((await h.aws('GetParameters', { Names: ['solo'] }))['Parameters'] as unknown[]).length, 1)
    // One parameter: creating it again under the other spelling is refused; Overwrite adds a version to it.
    const twice = await awsError(h.aws('PutParameter', { Name: 'solo', Value: 'two', Type: 'String' }))
    assert.equal(twice.type, 'ParameterAlreadyExists')
    await h.aws('PutParameter', { Name: 'solo', Value: 'two', Overwrite: true })
    assert.equal(await value(h, '/solo'), 'two')
    assert.equal(
      ((await h.aws('GetParameterHistory', { Name: 'solo' }))['Parameters'] as unknown[]).length,
      2,
    )
    await h.aws('LabelParameterVersion', { Name: 'solo', ParameterVersion: 1, Labels: ['first'] })
    assert.equal(await value(h, '/solo:first'), 'one')
    await h.aws('AddTagsToResource', {
      ResourceType: 'Parameter',
      ResourceId: 'solo',
      Tags: [{ Key: 'a', Value: '1' }],
    })
    await h.aws('AddTagsToResource', {
      ResourceType: 'Parameter',
      ResourceId: '/solo',
      Tags: [{ Key: 'b', Value: '2' }],
    })
    for (const id of ['solo', '/solo'])
      assert.equal(
        (
          (await h.aws('ListTagsForResource', { ResourceType: 'Parameter', ResourceId: id }))[
            'TagList'
          ] as unknown[]
        ).length,
        2,
      )
    await h.aws('DeleteParameter', { Name: 'solo' })
    assert.equal((await awsError(h.aws('GetParameter', { Name: '/solo' }))).type, 'ParameterNotFound')

    await h.aws('PutParameter', { Name: 'bare', Value: 'b', Type: 'String' })
    assert.equal(await value(h, '/bare'), 'b')
    assert.deepEqual(await h.aws('DeleteParameters', { Names: ['/bare'] }), {
      DeletedParameters: ['/bare'],
      InvalidParameters: [],
    })
    assert.equal((await awsError(h.aws('GetParameter', { Name: 'bare' }))).type, 'ParameterNotFound')
    // A deeper name has one spelling: a/b does not find /a/b.
    await h.aws('PutParameter', { Name: '/a/b', Value: 'x', Type: 'String' })
    assert.equal((await awsError(h.aws('GetParameter', { Name: 'a/b' }))).type, 'ParameterNotFound')
  })
})
