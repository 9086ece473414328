// GetRandomPassword: every option, the default length and character classes, and the errors.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { awsError, makeSm } from '../test-helpers.ts'
import { getRandomPassword } from './get-random-password.ts'

const pw = (input: Record<string, unknown> = {}) => String(getRandomPassword(input)['RandomPassword'])
const PUNCT = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/

describe('GetRandomPassword', () => {
  it('defaults to 32 characters with at least one lowercase, uppercase, digit and punctuation', async () => {
    for (let i = 0; i < 50; i++) {
      const p = pw()
      assert.equal(p.length, 32)
      for (const cls of [/[a-z]/, /[A-Z]/, /[0-9]/, PUNCT]) assert.match(p, cls)
      assert.doesNotMatch(p, / /)
    }
  })

  it('honours each Exclude option, ExcludeCharacters and IncludeSpace', () => {
    for (let i = 0; i < 20; i++) {
      assert.doesNotMatch(pw({ ExcludeNumbers: true }), /[0-9]/)
      assert.doesNotMatch(pw({ ExcludePunctuation: true }), PUNCT)
      assert.doesNotMatch(pw({ ExcludeUppercase: true }), /[A-Z]/)
      assert.doesNotMatch(pw({ ExcludeLowercase: true }), /[a-z]/)
      assert.doesNotMatch(pw({ ExcludeCharacters: 'abcdefghijklmnopqrstuvwxyz0' }), /[a-z0]/)
      assert.match(pw({ IncludeSpace: true, PasswordLength: 4096, RequireEachIncludedType: false }), / /)
    }
    const digits = pw({
      ExcludeLowercase: true,
      ExcludeUppercase: true,
      ExcludePunctuation: true,
      PasswordLength: 64,
    })
    assert.match(digits, /^[0-9]{64}$/)
  })

  it('RequireEachIncludedType false allows a length below the number of types', () => {
    assert.equal(pw({ PasswordLength: 1, RequireEachIncludedType: false }).length, 1)
    assert.equal(pw({ PasswordLength: 4 }).length, 4)
  })

  it('errors: lengths outside 1–4096, too short for the required types, everything excluded', async () => {
    const sm = await makeSm()
    for (const PasswordLength of [0, 4097])
      assert.equal(
        (await awsError(sm.aws('GetRandomPassword', { PasswordLength }))).type,
        'ValidationException',
      )
    assert.deepEqual(await awsError(sm.aws('GetRandomPassword', { PasswordLength: 3 })), {
      type: 'InvalidParameterException',
      message: 'Password length is too short based on the required types.',
    })
    const none = {
      ExcludeNumbers: true,
      ExcludePunctuation: true,
      ExcludeUppercase: true,
      ExcludeLowercase: true,
    }
    assert.equal((await awsError(sm.aws('GetRandomPassword', none))).type, 'InvalidParameterException')
    assert.equal(
      String((await sm.aws('GetRandomPassword', { PasswordLength: 12 }))['RandomPassword']).length,
      12,
    )
  })

  it('every character of the alphabet turns up (the draw is not biased away from any)', () => {
    const seen = new Set(pw({ PasswordLength: 4096, ExcludePunctuation: true }))
    assert.equal(seen.size, 62)
  })
})
