// A database secret's JSON: what is required, the defaults, and errors that never quote a value.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { mysqlDriver } from './mysql.ts'
import { postgresql } from './postgresql.ts'
import { parseSecret } from './secret-json.ts'

const what = 'the AWSCURRENT value of secret app'

it('reads the templates’ keys, with the default port and every other key kept', () => {
  const text = JSON.stringify({ engine: 'postgres', host: 'db', username: 'app', password: 'p', extra: 1 })
  const secret = parseSecret(text, postgresql, what)
  assert.equal(secret.port, 5432)
  assert.equal(secret.dbname, undefined)
  assert.deepEqual(secret.fields['extra'], 1)
  assert.equal(parseSecret(text.replace('"p"', '"p","port":"6543"'), postgresql, what).port, 6543)
  assert.equal(
    parseSecret(
      JSON.stringify({ engine: 'mariadb', host: 'h', username: 'u', password: '' }),
      mysqlDriver,
      what,
    ).port,
    3306,
  )
})

it('refuses what a rotation cannot use, naming the key and never its value', () => {
  const secretPassword = 'Sup3r-S3cret-Value'
  const cases: [unknown, RegExp][] = [
    [undefined, /has no SecretString/],
    ['not json', /is not JSON/],
    ['[1]', /is not a JSON object/],
    [
      JSON.stringify({ engine: 'mysql', host: 'h', username: 'u', password: secretPassword }),
      /"engine" set to "postgres"/,
    ],
    [
      JSON.stringify({ engine: 'postgres', host: '', username: 'u', password: secretPassword }),
      /no "host" string/,
    ],
    [JSON.stringify({ engine: 'postgres', host: 'h', password: secretPassword }), /no "username" string/],
    [JSON.stringify({ engine: 'postgres', host: 'h', username: 'u' }), /no "password" string/],
    [
      JSON.stringify({ engine: 'postgres', host: 'h', username: 'u', password: secretPassword, port: 70000 }),
      /"port" that is not a number/,
    ],
    [
      JSON.stringify({
        engine: 'postgres',
        host: 'h',
        username: 'u',
        password: secretPassword,
        masterarn: 7,
      }),
      /"masterarn" that is not a string/,
    ],
  ]
  for (const [text, pattern] of cases) {
    const error = (() => {
      try {
        parseSecret(text, postgresql, what)
      } catch (e) {
        return e as Error
      }
      assert.fail(`accepted ${String(text)}`)
    })()
    assert.match(error.message, pattern)
    assert.ok(error.message.startsWith(what), error.message)
    assert.ok(!error.message.includes(secretPassword))
  }
})
