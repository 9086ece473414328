// -secret argument parsing: path, field, variable, Secrets Manager prefixes and the refusals.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseSecretSpec, SecretSpecError } from './secret-spec.ts'

test('a KV path with a field and a variable', () => {
  assert.deepEqual(parseSecretSpec('secret/app#password=DB_PASSWORD'), {
    text: 'secret/app#password=DB_PASSWORD',
    source: 'vault',
    path: 'secret/app',
    field: 'password',
    env: 'DB_PASSWORD',
  })
})

test('without #field the whole secret maps under a prefix; surrounding slashes are trimmed', () => {
  const spec = parseSecretSpec('/database/creds/app/=PG')
  assert.equal(spec.path, 'database/creds/app')
  assert.equal(spec.field, undefined)
  assert.equal(spec.env, 'PG')
})

test('sm: and aws-sm: read Secrets Manager', () => {
  for (const prefix of ['sm:', 'aws-sm:']) {
    const spec = parseSecretSpec(`${prefix}prod/api#token=API_TOKEN`)
    assert.equal(spec.source, 'secretsmanager')
    assert.equal(spec.path, 'prod/api')
    assert.equal(spec.field, 'token')
  }
})

test('malformed specs are refused with the reason', () => {
  for (const [text, why] of [
    ['secret/app', /expected PATH\[#field\]=ENV/],
    ['secret/app=', /expected/],
    ['=X', /expected/],
    ['secret/app=1X', /not an environment variable name/],
    ['secret/app=A-B', /not an environment variable name/],
    ['secret/app#=X', /field after # is empty/],
    ['sm:=X', /path is empty/],
  ] as const) {
    assert.throws(
      () => parseSecretSpec(text),
      (error: unknown) => error instanceof SecretSpecError && why.test((error as Error).message),
      text,
    )
  }
})
