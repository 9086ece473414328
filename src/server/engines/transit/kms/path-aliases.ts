// kms/aliases/ (LIST) and kms/aliases/<name>: the KMS aliases through the Vault API, and the paths KMS alias actions are authorised on.
import { definePath } from '../../../../sdk/framework/backend.ts'
import { f } from '../../../../sdk/framework/fields.ts'
import { listResponse } from '../../../../sdk/framework/list-response.ts'
import type { TransitState } from '../state.ts'
import { listAliasNames, loadAlias } from './aliases.ts'
import { withKms } from './dispatch.ts'

export const aliasListPath = withKms(
  definePath<Record<string, never>, TransitState>({
    pattern: 'kms/aliases/',
    listKeys: 'names',
    help: 'The KMS alias names (without the alias/ prefix).',
    operations: {
      list: async ({ storage }) => listResponse(await listAliasNames(storage)),
    },
  }),
)

const fields = { name: f.string({ required: true, description: 'The alias name without alias/.' }) }

export const aliasPath = withKms(
  definePath<typeof fields, TransitState>({
    pattern: 'kms/aliases/*name',
    fields,
    help: 'A KMS alias: read shows the key it points at; create, update and delete are the KMS alias actions.',
    exists: async ({ storage, params }) => (await loadAlias(storage, params['name'] ?? '')) !== undefined,
    operations: {
      read: async ({ storage, input }) => {
        const alias = await loadAlias(storage, input.name ?? '')
        if (alias === undefined) return undefined
        return { data: { target_key_id: alias.targetKeyId } }
      },
    },
  }),
  ['create', 'update', 'delete'],
)
