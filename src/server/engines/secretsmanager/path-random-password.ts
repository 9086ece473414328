// random-password: GetRandomPassword, which names no secret.
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { getRandomPassword } from './actions/get-random-password.ts'
import { awsActionOf, runAwsAction } from './aws-dispatch.ts'
import type { SmState } from './state.ts'

const fields = {
  password_length: f.int({ description: 'Length, 1–4096 (default 32).' }),
  exclude_characters: f.string({ description: 'Characters never used.' }),
  exclude_numbers: f.bool(),
  exclude_punctuation: f.bool(),
  exclude_uppercase: f.bool(),
  exclude_lowercase: f.bool(),
  include_space: f.bool(),
  require_each_included_type: f.bool({ description: 'At least one of each included type (default true).' }),
  PasswordLength: f.any(),
  ExcludeCharacters: f.any(),
  ExcludeNumbers: f.any(),
  ExcludePunctuation: f.any(),
  ExcludeUppercase: f.any(),
  ExcludeLowercase: f.any(),
  IncludeSpace: f.any(),
  RequireEachIncludedType: f.any(),
}

export const randomPasswordPath = definePath<typeof fields, SmState>({
  pattern: 'random-password',
  fields,
  help: 'Generate a random password with the CSPRNG, as GetRandomPassword does.',
  operations: {
    read: async (ctx) => {
      const action = awsActionOf(ctx.request)
      if (action) return runAwsAction(ctx, action)
      const { input } = ctx
      const out = getRandomPassword({
        PasswordLength: input.password_length,
        ExcludeCharacters: input.exclude_characters,
        ExcludeNumbers: input.exclude_numbers,
        ExcludePunctuation: input.exclude_punctuation,
        ExcludeUppercase: input.exclude_uppercase,
        ExcludeLowercase: input.exclude_lowercase,
        IncludeSpace: input.include_space,
        RequireEachIncludedType: input.require_each_included_type,
      })
      return { data: { random_password: out['RandomPassword'] } }
    },
  },
})
