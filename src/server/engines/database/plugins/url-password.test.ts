// Finding and masking a literal password in a connection_url: URLs, libpq key=value strings, MySQL DSNs, templates.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { literalUrlPassword, redactUrlPassword } from './url-password.ts'

test('a URL password becomes xxxxx, as Go’s url.Redacted() writes it', () => {
  assert.equal(
    redactUrlPassword('postgres://postgres:secret@db:5432/app'),
    'postgres://postgres:xxxxx@db:5432/app',
  )
  assert.equal(
    redactUrlPassword('postgres://u:your%28%21%29P%40ss@db/app?sslmode=disable'),
    'postgres://u:xxxxx@db/app?sslmode=disable',
  )
  assert.equal(literalUrlPassword('postgres://u:p@ss@db/app'), 'p@ss')
  assert.equal(
    redactUrlPassword('postgres://u@db/app?password=s3cret&x=1'),
    'postgres://u@db/app?password=xxxxx&x=1',
  )
  assert.equal(redactUrlPassword('mysql://root:pw@127.0.0.1:3306/x'), 'mysql://root:xxxxx@127.0.0.1:3306/x')
})

test('a templated or absent password is left alone', () => {
  for (const url of [
    'postgres://{{username}}:{{password}}@db/app',
    'postgres://{{username}}:{{ password }}@db/app',
    'postgres://postgres@db/app',
    'postgres://db/app?x=a:b@c',
    '{{username}}:{{password}}@tcp(127.0.0.1:3306)/',
    'host=db user={{username}} password={{password}}',
    'root:@tcp(127.0.0.1:3306)/',
  ]) {
    assert.equal(redactUrlPassword(url), url)
    assert.equal(literalUrlPassword(url), undefined)
  }
})

test('libpq key=value strings and MySQL DSNs are masked too (Vault shows them in clear)', () => {
  assert.equal(redactUrlPassword("host=db password='s3 cret' user=u"), 'host=db password=xxxxx user=u')
  assert.equal(redactUrlPassword('host=db password=s3cret'), 'host=db password=xxxxx')
  assert.equal(redactUrlPassword('root:p:w@d@tcp(127.0.0.1:3306)/app'), 'root:xxxxx@tcp(127.0.0.1:3306)/app')
  assert.equal(literalUrlPassword('root:p:w@d@tcp(127.0.0.1:3306)/app'), 'p:w@d')
})
