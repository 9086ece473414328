// Password policies stored by sys/policies/password, and generation from them for backends' SystemView.
import { generatePassword, PasswordPolicyError, parsePasswordPolicy } from '../../lib/password-policy.ts'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { getJson, type Storage } from '../../sdk/storage.ts'

/** Barrier prefix of the policies, beside sys/policy/ (ACL policies); one JSON entry `{ policy }` per name. */
export const PASSWORD_POLICY_PREFIX = 'sys/password_policy/'

export interface StoredPasswordPolicy {
  policy: string
}

export async function readPasswordPolicy(barrier: Storage, name: string): Promise<string | undefined> {
  return (await getJson<StoredPasswordPolicy>(barrier, PASSWORD_POLICY_PREFIX + name))?.policy
}

/** A password from the named policy, or from Vault's default generator when no name is given. */
export async function generateFromPolicy(barrier: Storage, name?: string): Promise<string> {
  if (name === undefined || name === '') return generatePassword()
  const text = await readPasswordPolicy(barrier, name)
  if (text === undefined) throw new InvalidRequestError(`password policy "${name}" does not exist`)
  try {
    return generatePassword(parsePasswordPolicy(text))
  } catch (error) {
    if (error instanceof PasswordPolicyError)
      throw new InvalidRequestError(`password policy "${name}": ${error.message}`)
    throw error
  }
}
