// Mapping fetched secrets to environment variables: fields, prefixes, naming, JSON values and conflicts.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EnvMappingError, envNameFor, type FetchedSecret, mapToEnv } from './env-names.ts'
import { parseSecretSpec } from './secret-spec.ts'

const secret = (spec: string, data: Record<string, unknown>, whole?: string): FetchedSecret => ({
  spec: parseSecretSpec(spec),
  data,
  ...(whole === undefined ? {} : { whole }),
})

test('names: prefix, underscore, upper case, other characters as _', () => {
  assert.equal(envNameFor('APP', 'db-password'), 'APP_DB_PASSWORD')
  assert.equal(envNameFor('APP', 'api.key'), 'APP_API_KEY')
  assert.equal(envNameFor('X', 'already_OK9'), 'X_ALREADY_OK9')
})

test('a field goes to its variable; every key goes under a prefix; non-strings as JSON', () => {
  const env = mapToEnv([
    secret('secret/app#password=DB_PASSWORD', { password: 's3cr3t', user: 'app' }),
    secret('secret/cfg=CFG', { port: 5432, tls: true, 'log-level': 'debug', nested: { a: 1 } }),
  ])
  assert.deepEqual(env, {
    DB_PASSWORD: 's3cr3t',
    CFG_PORT: '5432',
    CFG_TLS: 'true',
    CFG_LOG_LEVEL: 'debug',
    CFG_NESTED: '{"a":1}',
  })
})

test('a Secrets Manager string that is not JSON goes whole to ENV, and has no fields', () => {
  assert.deepEqual(mapToEnv([secret('sm:plain=TOKEN', {}, 'abc')]), { TOKEN: 'abc' })
  assert.throws(() => mapToEnv([secret('sm:plain#x=TOKEN', {}, 'abc')]), EnvMappingError)
})

test('a missing field is refused, naming the field and path but no value', () => {
  assert.throws(
    () => mapToEnv([secret('secret/app#nope=X', { password: 'hunter2' })]),
    (error: unknown) =>
      error instanceof EnvMappingError &&
      /no field "nope" in the secret at secret\/app/.test(error.message) &&
      !error.message.includes('hunter2'),
  )
})

test('two specs setting the same variable are refused', () => {
  assert.throws(
    () => mapToEnv([secret('a#x=V', { x: '1' }), secret('b#y=V', { y: '2' })]),
    /V would be set by both -secret a#x=V and -secret b#y=V/,
  )
  assert.throws(() => mapToEnv([secret('a=P', { x_y: '1', 'x-y': '2' })]), /P_X_Y would be set by both/)
})
