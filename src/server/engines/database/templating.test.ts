// Unit tests for statement parsing, SQL splitting, username templates, cron schedules and MySQL DSNs.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { nextCronTime, parseCron } from './cron.ts'
import { parseMysqlDsn } from './plugins/mysql.ts'
import { fill, parseStatements, splitSql } from './templating.ts'
import { renderUsername } from './username-template.ts'

describe('database templating', () => {
  it('accepts statements as a list, a JSON string, a plain string or base64', () => {
    assert.deepEqual(parseStatements(['A;', 'B']), ['A;', 'B'])
    assert.deepEqual(parseStatements('["A", "B"]'), ['A', 'B'])
    assert.deepEqual(parseStatements('CREATE ROLE x;'), ['CREATE ROLE x;'])
    assert.deepEqual(parseStatements(Buffer.from('CREATE ROLE x;').toString('base64')), ['CREATE ROLE x;'])
    assert.deepEqual(parseStatements(undefined), [])
  })

  it('trims each statement and drops blank ones, as Vault reads them back', () => {
    assert.deepEqual(parseStatements('\n  CREATE ROLE x;\n'), ['CREATE ROLE x;'])
    assert.deepEqual(parseStatements(['  A; ', ' ', '\tB\n']), ['A;', 'B'])
  })

  it('refuses objects and nested lists with a 400 naming the field; scalars read as text', () => {
    for (const bad of [{ a: 1 }, [{ a: 1 }], [['x']]])
      assert.throws(() => parseStatements(bad, 'creation_statements'), {
        status: 400,
        message: /"creation_statements": expected a list of strings/,
      })
    assert.deepEqual(parseStatements([5, true]), ['5', 'true'])
  })

  it('splits SQL on semicolons outside quotes and dollar-quoted bodies', () => {
    assert.deepEqual(splitSql("CREATE ROLE a PASSWORD 'x;y'; GRANT b TO a;"), [
      "CREATE ROLE a PASSWORD 'x;y'",
      'GRANT b TO a',
    ])
    assert.deepEqual(splitSql('DO $$ BEGIN x; y; END $$; SELECT 1'), ['DO $$ BEGIN x; y; END $$', 'SELECT 1'])
    assert.equal(fill('{{name}} {{ password }} {{other}}', { name: 'n', password: 'p' }), 'n p {{other}}')
  })

  it('renders Vault username templates', () => {
    const now = Date.UTC(2024, 0, 1)
    const name = renderUsername(
      '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}',
      { DisplayName: 'token-with-long-name', RoleName: 'readonly-role' },
      now,
    )
    assert.match(name, /^v-token-wi-readonly-[A-Za-z0-9]{20}-1704067200$/)
    assert.equal(
      renderUsername(
        'app_{{.RoleName | uppercase | replace "-" "_"}}',
        { DisplayName: '', RoleName: 'a-b' },
        now,
      ),
      'app_A_B',
    )
    assert.throws(() => renderUsername('{{ nope 3 }}', { DisplayName: '', RoleName: '' }, now), {
      status: 400,
      message: /unknown function "nope"/,
    })
    assert.throws(() => renderUsername('{{ .RoleName', { DisplayName: '', RoleName: '' }, now), {
      status: 400,
    })
    // random is capped, so a template cannot make rendering slow; 1024 still renders.
    assert.equal(renderUsername('{{random 1024}}', { DisplayName: '', RoleName: '' }, now).length, 1024)
    assert.throws(() => renderUsername('{{random 1025}}', { DisplayName: '', RoleName: '' }, now), {
      status: 400,
      message: /random length must be at most 1024/,
    })
  })

  it('finds the next cron time in UTC', () => {
    const at = (iso: string) => Date.parse(iso)
    assert.equal(
      nextCronTime(parseCron('0 0 * * SAT'), at('2024-01-01T10:00:00Z')),
      at('2024-01-06T00:00:00Z'),
    )
    assert.equal(
      nextCronTime(parseCron('*/15 * * * *'), at('2024-01-01T10:07:30Z')),
      at('2024-01-01T10:15:00Z'),
    )
    assert.equal(
      nextCronTime(parseCron('30 4 1 * *'), at('2024-01-01T05:00:00Z')),
      at('2024-02-01T04:30:00Z'),
    )
    assert.equal(nextCronTime(parseCron('@daily'), at('2024-02-28T23:59:00Z')), at('2024-02-29T00:00:00Z'))
    assert.throws(() => parseCron('61 * * * *'), { status: 400 })
    assert.throws(() => parseCron('* * *'), { status: 400 })
  })

  it('reads Go MySQL DSNs, including passwords with @ and :', () => {
    assert.deepEqual(parseMysqlDsn('root:p@ss:w@tcp(127.0.0.1:3307)/test?tls=false'), {
      user: 'root',
      password: 'p@ss:w',
      database: 'test',
      host: '127.0.0.1',
      port: 3307,
    })
    assert.deepEqual(parseMysqlDsn('u@unix(/run/mysqld.sock)/'), {
      user: 'u',
      password: '',
      socketPath: '/run/mysqld.sock',
    })
    assert.throws(() => parseMysqlDsn('nonsense'), { status: 400 })
  })
})
