// credential_config for password roles: the forms Vault's key/value field takes, unknown keys refused, policy precedence.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { parseCredentialConfig, passwordPolicyFor } from './credential-config.ts'

test('an object, a JSON string and key=value strings all give the policy; empty gives none', () => {
  assert.deepEqual(parseCredentialConfig({ password_policy: 'p' }), { password_policy: 'p' })
  assert.deepEqual(parseCredentialConfig('{"password_policy":"p"}'), { password_policy: 'p' })
  assert.deepEqual(parseCredentialConfig('password_policy=p'), { password_policy: 'p' })
  assert.deepEqual(parseCredentialConfig(['password_policy=p']), { password_policy: 'p' })
  for (const empty of [undefined, null, '', {}, { password_policy: '' }])
    assert.deepEqual(parseCredentialConfig(empty), {})
})

test('unknown keys and malformed values are 400s', () => {
  for (const bad of [
    { key_bits: '2048' },
    { password_polcy: 'p' },
    'nonsense',
    '{bad json',
    { password_policy: 3 },
    7,
  ])
    assert.throws(() => parseCredentialConfig(bad), InvalidRequestError, JSON.stringify(bad))
})

test("the role's policy wins over the connection's, which wins over the default", () => {
  assert.equal(
    passwordPolicyFor({ credential_config: { password_policy: 'r' } }, { password_policy: 'c' }),
    'r',
  )
  assert.equal(passwordPolicyFor({ credential_config: {} }, { password_policy: 'c' }), 'c')
  assert.equal(passwordPolicyFor({}, { password_policy: '' }), undefined)
})
