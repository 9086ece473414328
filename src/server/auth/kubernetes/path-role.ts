// kubernetes roles: which service accounts (names and namespaces, globs allowed) get which token; LIST role/.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { type FieldValues, f } from '../../../sdk/framework/fields.ts'
import {
  applyTokenFields,
  defaultTokenParams,
  legacyTokenFields,
  type TokenParams,
  tokenFields,
  tokenParamsView,
} from '../../../sdk/framework/token-params.ts'
import { getJson, putJson, type Storage } from '../../../sdk/storage.ts'
import type { KubeState } from './state.ts'

export interface KubeRole {
  serviceAccountNames: string[]
  serviceAccountNamespaces: string[]
  audience: string
  aliasNameSource: 'serviceaccount_uid' | 'serviceaccount_name'
  token: TokenParams
}

const roleKey = (name: string) => `role/${name}`

export function loadKubeRole(storage: Storage, name: string): Promise<KubeRole | undefined> {
  return getJson<KubeRole>(storage, roleKey(name))
}

const fields = {
  name: f.string({ description: 'Name of the role.', required: true }),
  bound_service_account_names: f.list({
    description: 'Service account names allowed; "*" or globs such as "app-*".',
  }),
  bound_service_account_namespaces: f.list({
    description: 'Namespaces allowed; "*" or globs such as "team-*".',
  }),
  bound_service_account_namespace_selector: f.string({ description: 'Not supported; must be empty.' }),
  audience: f.string({ description: 'The aud claim the service account token must carry.' }),
  alias_name_source: f.string({ description: '"serviceaccount_uid" (default) or "serviceaccount_name".' }),
  ...tokenFields,
  ...legacyTokenFields,
}

/** Vault refuses "*" mixed with other entries: it would read as a restriction but allow everything. */
function checkBindings(list: string[], field: string): void {
  if (list.length === 0) throw new InvalidRequestError(`"${field}" can not be empty`)
  if (list.length > 1 && list.includes('*')) throw new InvalidRequestError('can not mix "*" with values')
}

function updateKubeRole(current: KubeRole | undefined, input: FieldValues<typeof fields>): KubeRole {
  const role: KubeRole = current
    ? { ...current }
    : {
        serviceAccountNames: [],
        serviceAccountNamespaces: [],
        audience: '',
        aliasNameSource: 'serviceaccount_uid',
        token: defaultTokenParams(),
      }
  if (input.bound_service_account_names !== undefined)
    role.serviceAccountNames = input.bound_service_account_names
  if (input.bound_service_account_namespaces !== undefined)
    role.serviceAccountNamespaces = input.bound_service_account_namespaces
  if (input.bound_service_account_namespace_selector)
    throw new InvalidRequestError(
      'bound_service_account_namespace_selector is not supported; list the namespaces instead',
    )
  if (input.audience !== undefined) role.audience = input.audience
  if (input.alias_name_source !== undefined && input.alias_name_source !== '') {
    if (input.alias_name_source !== 'serviceaccount_uid' && input.alias_name_source !== 'serviceaccount_name')
      throw new InvalidRequestError(
        'invalid alias_name_source, must be one of: serviceaccount_uid, serviceaccount_name',
      )
    role.aliasNameSource = input.alias_name_source
  }
  checkBindings(role.serviceAccountNames, 'bound_service_account_names')
  checkBindings(role.serviceAccountNamespaces, 'bound_service_account_namespaces')
  role.token = applyTokenFields(role.token, input)
  return role
}

export const rolePath = definePath<typeof fields, KubeState>({
  pattern: 'role/:name',
  fields,
  help: 'A role binds service account names and namespaces to the token they get.',
  exists: async ({ storage, params }) => (await loadKubeRole(storage, params['name']!)) !== undefined,
  operations: {
    read: async ({ storage, params }) => {
      const role = await loadKubeRole(storage, params['name']!)
      if (!role) return undefined
      return {
        data: {
          bound_service_account_names: role.serviceAccountNames,
          bound_service_account_namespaces: role.serviceAccountNamespaces,
          bound_service_account_namespace_selector: '',
          audience: role.audience,
          alias_name_source: role.aliasNameSource,
          ...tokenParamsView(role.token),
        },
      }
    },
    update: ({ storage, state, params, input }) => {
      const name = params['name']!
      return state.locks.run(name, async () => {
        await putJson(storage, roleKey(name), updateKubeRole(await loadKubeRole(storage, name), input))
        return undefined
      })
    },
    delete: ({ storage, state, params }) => {
      const name = params['name']!
      return state.locks.run(name, async () => {
        await storage.delete(roleKey(name))
        return undefined
      })
    },
  },
})

export const roleListPath = definePath({
  pattern: 'role/',
  listKeys: 'names',
  help: 'The names of the roles.',
  operations: {
    list: async ({ storage }) => {
      const keys = await storage.list('role/')
      return keys.length > 0 ? { data: { keys } } : undefined
    },
  },
})
