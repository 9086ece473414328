// COFFER_DISABLE_USER_LOCKOUT: Go's boolean spellings, unset or empty leaves the tunes in charge, anything else refused.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { lockoutDisabledFromEnv } from './user-lockout-config.ts'

describe('lockoutDisabledFromEnv', () => {
  it('reads Go’s boolean spellings and leaves an unset or empty variable to the tunes', () => {
    for (const yes of ['1', 't', 'T', 'TRUE', 'true', 'True'])
      assert.equal(lockoutDisabledFromEnv(yes), true, yes)
    for (const no of ['0', 'f', 'F', 'FALSE', 'false', 'False'])
      assert.equal(lockoutDisabledFromEnv(no), false, no)
    assert.equal(lockoutDisabledFromEnv(undefined), undefined)
    assert.equal(lockoutDisabledFromEnv(''), undefined)
  })

  it('refuses anything else rather than guess', () => {
    for (const bad of ['yes', 'on', 'tRuE', ' true'])
      assert.throws(() => lockoutDisabledFromEnv(bad), /COFFER_DISABLE_USER_LOCKOUT must be true or false/)
  })
})
