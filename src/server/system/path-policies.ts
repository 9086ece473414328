// sys/policies/acl/:name and the legacy sys/policy/:name (which answers `rules` instead of `policy`).
import { Buffer } from 'node:buffer'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { definePath } from '../../sdk/framework/backend.ts'
import { f } from '../../sdk/framework/fields.ts'
import type { SystemServices } from '../core/services.ts'

/** The services this file uses. */
export type PolicyPathServices = Pick<SystemServices, 'policies'>

const RULES_DEPRECATED = "'rules' is deprecated, please use 'policy' instead"

const policyFields = { name: f.string({ required: true }), policy: f.string(), rules: f.string() }

export function policyPaths(services: PolicyPathServices) {
  const store = () => services.policies
  const list = async () => {
    const keys = await store().list()
    return { data: { keys } }
  }
  const write = async (name: string, text: string | undefined, notes: string[] = []) => {
    if (text === undefined || text.trim() === '')
      throw new InvalidRequestError("'policy' parameter not supplied or empty")
    const warnings = [
      ...notes,
      ...(await store().write(store().normalizeName(name), decodeMaybeBase64(text))),
    ]
    return warnings.length > 0 ? { warnings } : undefined
  }
  const remove = async (name: string) => {
    const stored = store().existingName(name)
    if (stored !== undefined) await store().delete(stored)
    return undefined
  }
  const read = async (name: string) => {
    const stored = store().existingName(name)
    return stored === undefined ? undefined : await store().read(stored)
  }
  const namedPolicyPath = (pattern: string, textKey: 'policy' | 'rules') =>
    definePath({
      pattern,
      fields: policyFields,
      exists: async ({ input }) => (await read(input.name!)) !== undefined,
      operations: {
        read: async ({ input }) => {
          const raw = await read(input.name!)
          return raw === undefined
            ? undefined
            : { data: { name: store().normalizeName(input.name!), [textKey]: raw } }
        },
        update: ({ input }) => {
          // As Vault: the legacy route falls back to `rules` when `policy` is empty, and says it is deprecated
          // (so the answer is 200 with that warning, not 204).
          if (textKey === 'rules' && !input.policy && input.rules !== undefined)
            return write(input.name!, input.rules, [RULES_DEPRECATED])
          return write(input.name!, input.policy)
        },
        delete: ({ input }) => remove(input.name!),
      },
    })
  return [
    definePath({ pattern: 'policies/acl/', listKeys: 'names', operations: { list, read: list } }),
    namedPolicyPath('policies/acl/:name', 'policy'),
    definePath({
      pattern: 'policy',
      operations: {
        read: async () => {
          const keys = await store().list()
          return { data: { policies: keys, keys } }
        },
      },
    }),
    // The legacy route answers `rules` and also accepts it on write.
    namedPolicyPath('policy/:name', 'rules'),
  ]
}

/** Vault accepts a policy body either as text or base64 of that text. */
function decodeMaybeBase64(text: string): string {
  const trimmed = text.trim()
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) return text
  const decoded = Buffer.from(trimmed, 'base64').toString('utf8')
  return /path|\{/.test(decoded) && !decoded.includes('\uFFFD') ? decoded : text
}
