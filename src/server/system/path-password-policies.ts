// sys/policies/password/:name (write, read, delete, LIST) and :name/generate, stored at the core's password-policy prefix.
import { Buffer } from 'node:buffer'
import { generatePassword, PasswordPolicyError, parsePasswordPolicy } from '../../lib/password-policy.ts'
import { InvalidRequestError, NotFoundError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import { listResponse } from '../../sdk/framework/list-response.ts'
import { putJson, storageView } from '../../sdk/storage.ts'
import {
  generateFromPolicy,
  PASSWORD_POLICY_PREFIX,
  readPasswordPolicy,
  type StoredPasswordPolicy,
} from '../core/password-policies.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type PasswordPolicyServices = Pick<SystemServices, 'barrier'>

const NAME = /^[\w.@-]+$/

function checkName(name: string): string {
  if (!NAME.test(name)) throw new InvalidRequestError(`invalid password policy name "${name}"`)
  return name
}

/** Vault accepts the document as text or as base64 of that text. */
function decodeMaybeBase64(text: string): string {
  const trimmed = text.trim()
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) return text
  const decoded = Buffer.from(trimmed, 'base64').toString('utf8')
  return /length|rule/.test(decoded) && !decoded.includes('\uFFFD') ? decoded : text
}

export function passwordPolicyPaths(services: PasswordPolicyServices) {
  const fields = { name: f.string({ required: true }), policy: f.string() }
  const list = async () => {
    const keys = (await storageView(services.barrier, PASSWORD_POLICY_PREFIX).list('')).filter(
      (k) => !k.endsWith('/'),
    )
    return listResponse(keys)
  }
  return [
    definePath({ pattern: 'policies/password/', listKeys: 'names', operations: { list } }),
    definePath({
      pattern: 'policies/password/:name',
      fields,
      exists: async ({ input }) =>
        (await readPasswordPolicy(services.barrier, checkName(input.name!))) !== undefined,
      operations: {
        read: async ({ input }) => {
          const text = await readPasswordPolicy(services.barrier, checkName(input.name!))
          return text === undefined ? undefined : { data: { policy: text } }
        },
        update: async ({ input }) => {
          const name = checkName(input.name!)
          if (input.policy === undefined || input.policy.trim() === '')
            throw new InvalidRequestError('missing policy')
          const text = decodeMaybeBase64(input.policy)
          try {
            // As Vault does, prove the policy can produce a password before saving it.
            generatePassword(parsePasswordPolicy(text))
          } catch (error) {
            if (error instanceof PasswordPolicyError)
              throw new InvalidRequestError(`invalid password policy: ${error.message}`)
            throw error
          }
          await putJson(services.barrier, PASSWORD_POLICY_PREFIX + name, {
            policy: text,
          } satisfies StoredPasswordPolicy)
          return undefined
        },
        delete: async ({ input }) => {
          await services.barrier.delete(PASSWORD_POLICY_PREFIX + checkName(input.name!))
          return undefined
        },
      },
    }),
    definePath({
      pattern: 'policies/password/:name/generate',
      fields: { name: f.string({ required: true }) },
      operations: {
        read: async ({ input }) => {
          const name = checkName(input.name!)
          if ((await readPasswordPolicy(services.barrier, name)) === undefined)
            throw new NotFoundError(`policy does not exist`)
          return { data: { password: await generateFromPolicy(services.barrier, name) } }
        },
      },
    }),
  ]
}
